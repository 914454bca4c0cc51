using Mono.Cecil;

// Lists every public TorchSharp method that reaches, through TorchSharp's own call graph, a Scalar created from a
// primitive (implicit conversion or ToScalar) in a method that never disposes a Scalar: such a Scalar is left to the
// finalizer, which can free it while libtorch still reads it. Output: BannedApiAnalyzers documentation IDs.
// Usage: dotnet run --project scripts/torchsharp-scalar-scan -- PATH/TO/TorchSharp.dll
if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: torchsharp-scalar-scan PATH/TO/TorchSharp.dll (e.g. ~/.nuget/packages/torchsharp/0.107.0/lib/net8.0/TorchSharp.dll)");
    return 1;
}
var module = ModuleDefinition.ReadModule(args[0]);
var all = module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody).ToList();
bool IsSeed(MethodReference r) =>
    (r.DeclaringType.FullName == "TorchSharp.Scalar" && r.Name == "op_Implicit")
    || (r.DeclaringType.FullName == "TorchSharp.ScalarExtensionMethods" && r.Name.StartsWith("To") && r.Name.EndsWith("Scalar"));
var callers = new Dictionary<string, List<MethodDefinition>>();
var tainted = new HashSet<string>();
foreach (var m in all)
{
    // A method that disposes what it creates (calls Scalar.Dispose) is considered safe.
    bool disposes = m.Body.Instructions.Any(i => i.Operand is MethodReference r && r.DeclaringType.FullName == "TorchSharp.Scalar" && r.Name == "Dispose");
    foreach (var i in m.Body.Instructions)
    {
        if (i.Operand is not MethodReference r) continue;
        if (IsSeed(r) && !disposes && m.DeclaringType.FullName != "TorchSharp.Scalar" && m.DeclaringType.FullName != "TorchSharp.ScalarExtensionMethods") tainted.Add(m.FullName);
        var key = r.FullName;
        if (!callers.TryGetValue(key, out var list)) callers[key] = list = new();
        list.Add(m);
    }
}
var queue = new Queue<string>(tainted);
var byName = all.GroupBy(m => m.FullName).ToDictionary(g => g.Key, g => g.First());
while (queue.Count > 0)
{
    var f = queue.Dequeue();
    if (!callers.TryGetValue(f, out var list)) continue;
    foreach (var c in list)
        if (tainted.Add(c.FullName)) queue.Enqueue(c.FullName);
}
static string TypeId(TypeReference t)
{
    if (t is ByReferenceType br) return TypeId(br.ElementType) + "@";
    if (t is ArrayType at) return TypeId(at.ElementType) + "[]";
    if (t is GenericInstanceType g) return g.ElementType.FullName.Split('`')[0].Replace('/', '.') + "{" + string.Join(",", g.GenericArguments.Select(TypeId)) + "}";
    if (t is GenericParameter gp) return (gp.Type == GenericParameterType.Method ? "``" : "`") + gp.Position;
    if (t is RequiredModifierType rm) return TypeId(rm.ElementType);
    if (t is PointerType pt) return TypeId(pt.ElementType) + "*";
    return t.FullName.Replace('/', '.');
}
bool Visible(MethodDefinition m)
{
    if (!(m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly)) return false;
    for (var t = m.DeclaringType; t != null; t = t.DeclaringType) if (!(t.IsPublic || t.IsNestedPublic)) return false;
    return true;
}
foreach (var name in tainted.OrderBy(x => x))
{
    var m = byName[name];
    if (!Visible(m)) continue;
    var typeName = m.DeclaringType.FullName.Replace('/', '.');
    var mname = m.IsConstructor ? "#ctor" : m.Name;
    var gen = m.HasGenericParameters ? "``" + m.GenericParameters.Count : "";
    var ps = m.Parameters.Count == 0 ? "" : "(" + string.Join(",", m.Parameters.Select(p => TypeId(p.ParameterType))) + ")";
    var ret = (m.Name == "op_Implicit" || m.Name == "op_Explicit") ? "~" + TypeId(m.ReturnType) : "";
    Console.WriteLine($"M:{typeName}.{mname}{gen}{ps}{ret}");
}
return 0;

using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Model.Checkpoints;

/// <summary>
/// Reads a PyTorch <c>torch.save</c> zip archive holding a state dict (<c>&lt;name&gt;/data.pkl</c> plus one
/// <c>&lt;name&gt;/data/&lt;key&gt;</c> record per storage). The state dict may be an OrderedDict or a plain dict, on its
/// own or under <c>"state_dict"</c>, <c>"model"</c> or <c>"model_state_dict"</c>, with or without DataParallel's
/// <c>module.</c> key prefix. Tensors are rebuilt from their storage with the stored
/// offset and strides (views such as a transposed <c>melW</c> come out right) and returned contiguous on the CPU.
/// Records and pickle attributes that a state dict does not need (<c>version</c>, <c>byteorder</c>,
/// <c>.data/serialization_id</c>, the OrderedDict's <c>_metadata</c>) are ignored.
/// </summary>
public static class PyTorchCheckpoint
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> StorageTypes = new()
    {
        ["FloatStorage"] = (ScalarType.Float32, 4),
        ["DoubleStorage"] = (ScalarType.Float64, 8),
        ["HalfStorage"] = (ScalarType.Float16, 2),
        ["BFloat16Storage"] = (ScalarType.BFloat16, 2),
        ["LongStorage"] = (ScalarType.Int64, 8),
        ["IntStorage"] = (ScalarType.Int32, 4),
        ["ShortStorage"] = (ScalarType.Int16, 2),
        ["CharStorage"] = (ScalarType.Int8, 1),
        ["ByteStorage"] = (ScalarType.Byte, 1),
        ["BoolStorage"] = (ScalarType.Bool, 1),
    };

    private static readonly object RegistrationLock = new();
    private static bool registered;

    /// <summary>Loads every tensor of the state dict (key order is not significant).</summary>
    /// <exception cref="FlamException">The file is missing, not a zip, truncated, or its pickle is not a state dict.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"Checkpoint '{path}' does not exist.");
        }
        Runtime.TorchRuntime.EnsureLoaded();
        RegisterConstructors();
        try
        {
            using var archive = ZipFile.OpenRead(path);
            var pickleEntry = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(ch => ch == '/') == 1)
                ?? throw new FlamException($"Checkpoint '{path}' is a zip archive but not a PyTorch checkpoint (no <name>/data.pkl record).");
            string prefix = pickleEntry.FullName[..^"data.pkl".Length];
            var byteOrder = archive.GetEntry(prefix + "byteorder");
            if (byteOrder is not null)
            {
                using var reader = new StreamReader(byteOrder.Open());
                var order = reader.ReadToEnd().Trim();
                if (order != "little")
                {
                    throw new FlamException($"Checkpoint '{path}' was written with byte order '{order}'; only little-endian checkpoints are supported.");
                }
            }
            byte[] pickle = ReadAll(pickleEntry);
            using var unpickler = new StateDictUnpickler(archive, prefix, path);
            object root = unpickler.loads(pickle);
            var result = new Dictionary<string, Tensor>();
            try
            {
                var dict = FindStateDict(root, path);
                // DataParallel / DistributedDataParallel save the wrapped module's keys as "module.<key>".
                bool dataParallel = dict.Keys.Cast<object>().All(k => k is string name && name.StartsWith(DataParallelPrefix, StringComparison.Ordinal));
                foreach (var key in dict.Keys)
                {
                    if (dict[key] is not StoredTensor stored)
                    {
                        throw new FlamException($"Checkpoint '{path}': entry '{key}' is not a tensor; expected a state dict (torch.save(model.state_dict())).");
                    }
                    var name = (string)key;
                    result[dataParallel ? name[DataParallelPrefix.Length..] : name] = stored.Materialise();
                }
                return result;
            }
            catch
            {
                foreach (var t in result.Values) t.Dispose();
                throw;
            }
            finally
            {
                unpickler.DisposeStorages();
            }
        }
        catch (InvalidDataException e)
        {
            throw new FlamException($"Checkpoint '{path}' is not a valid zip archive (not a PyTorch checkpoint, or truncated): {e.Message}", e);
        }
        catch (Exception e) when (e is PickleException or InvalidCastException or IndexOutOfRangeException or EndOfStreamException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new FlamException($"Checkpoint '{path}' is corrupt or not a state dict: {e.Message}", e);
        }
    }

    private const string DataParallelPrefix = "module.";

    /// <summary>Entries under which training scripts commonly store the model's state dict, in the order tried.</summary>
    private static readonly string[] StateDictEntries = ["state_dict", "model", "model_state_dict"];

    /// <summary>
    /// The state dict in an unpickled checkpoint: the top-level dict itself (an OrderedDict or, after filtering keys
    /// with a dict comprehension, a plain dict) when it holds tensors, else the dict under one of
    /// <see cref="StateDictEntries"/> (<c>{"state_dict": ..., "epoch": ...}</c>), searched the same way.
    /// </summary>
    private static Hashtable FindStateDict(object? root, string path)
    {
        if (root is not Hashtable dict)
        {
            throw new FlamException($"Checkpoint '{path}' does not hold a state dict (top-level object is {root?.GetType().Name ?? "None"}); save it with torch.save(model.state_dict()).");
        }
        if (dict.Values.Cast<object?>().Any(v => v is StoredTensor))
        {
            return dict;
        }
        foreach (var entry in StateDictEntries)
        {
            if (dict[entry] is Hashtable inner)
            {
                return FindStateDict(inner, path);
            }
        }
        // Hashtable order follows per-process string hashes: sort the names so the message is stable.
        var keys = dict.Keys.Cast<object>().Select(k => Convert.ToString(k, System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal);
        throw new FlamException($"Checkpoint '{path}' does not hold a state dict: its top-level dict has no tensors and no " +
            $"{string.Join(", ", StateDictEntries.Select(e => $"'{e}'"))} entry (its keys: {string.Join(", ", keys)}); save it with torch.save(model.state_dict()).");
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        var buffer = new byte[entry.Length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    private static void RegisterConstructors()
    {
        lock (RegistrationLock)
        {
            if (registered) return;
            Unpickler.registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensorConstructor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", new RebuildParameterConstructor());
            foreach (var name in StorageTypes.Keys)
            {
                Unpickler.registerConstructor("torch", name, new StorageType(name));
            }
            registered = true;
        }
    }

    /// <summary>A pickled OrderedDict (the unpickler fills it through the Hashtable indexer; order is not kept).</summary>
    internal sealed class PickledOrderedDict : Hashtable
    {
        /// <summary>BUILD with the instance state (a state dict's <c>_metadata</c>), which we do not need.</summary>
        public void __setstate__(Hashtable state) { }
    }

    private sealed class OrderedDictConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new PickledOrderedDict();
    }

    /// <summary>The storage class named in a persistent id (torch.FloatStorage, ...); the unpickler pushes the registered constructor itself.</summary>
    internal sealed class StorageType(string name) : IObjectConstructor
    {
        public string Name { get; } = name;

        public object construct(object[] args) => throw new PickleException($"torch.{Name} cannot be constructed directly.");
    }

    /// <summary>A storage read from the archive: a flat CPU tensor of its element type.</summary>
    internal sealed class Storage(Tensor data)
    {
        public Tensor Data { get; } = data;
    }

    /// <summary>A tensor view of a storage, materialised after unpickling.</summary>
    internal sealed class StoredTensor(Storage storage, long offset, long[] size, long[] stride)
    {
        public Tensor Materialise()
        {
            long needed = offset + 1 + size.Zip(stride, (s, st) => s == 0 ? 0 : (s - 1) * st).Sum();
            if (size.Any(s => s == 0))
            {
                return zeros(size, storage.Data.dtype);
            }
            if (needed > storage.Data.numel())
            {
                throw new InvalidDataException($"a tensor view [{string.Join(",", size)}] with strides ({string.Join(",", stride)}) at offset {offset} exceeds its storage of {storage.Data.numel()} elements");
            }
            // In a scope of its own: Load runs outside any, and an unscoped temporary (contiguous()'s result) can be
            // finalized on the GC thread while clone still reads it — a crash seen under GC pressure.
            using var scope = NewDisposeScope();
            return storage.Data.as_strided(size, stride, offset).contiguous().clone().MoveToOuterDisposeScope();
        }
    }

    private sealed class RebuildTensorConstructor : IObjectConstructor
    {
        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not Storage storage)
            {
                throw new PickleException("unexpected arguments to torch._utils._rebuild_tensor_v2");
            }
            return new StoredTensor(storage, Convert.ToInt64(args[1]), ToLongs(args[2]), ToLongs(args[3]));
        }

        private static long[] ToLongs(object value) => value switch
        {
            object[] items => items.Select(Convert.ToInt64).ToArray(),
            ArrayList list => list.Cast<object>().Select(Convert.ToInt64).ToArray(),
            _ => throw new PickleException("tensor size/stride is not a tuple"),
        };
    }

    private sealed class RebuildParameterConstructor : IObjectConstructor
    {
        // _rebuild_parameter(data, requires_grad, backward_hooks): a parameter saved directly; its data is what we need.
        public object construct(object[] args) => args.Length > 0 && args[0] is StoredTensor t ? t : throw new PickleException("unexpected arguments to torch._utils._rebuild_parameter");
    }

    /// <summary>Resolves persistent ids ('storage', type, key, location, numel) to storages read from the archive.</summary>
    private sealed class StateDictUnpickler(ZipArchive archive, string prefix, string path) : Unpickler
    {
        private readonly Dictionary<string, Storage> storages = [];

        protected override object persistentLoad(object pid)
        {
            if (pid is not object[] { Length: >= 5 } tuple || tuple[0] is not string kind || kind != "storage")
            {
                throw new PickleException("unsupported persistent id in checkpoint");
            }
            var typeName = tuple[1] switch
            {
                StorageType st => st.Name,
                var other => other?.ToString() ?? "?",
            };
            if (!StorageTypes.TryGetValue(typeName, out var dtype))
            {
                throw new FlamException($"Checkpoint '{path}' uses an unsupported storage type '{typeName}'.");
            }
            string key = Convert.ToString(tuple[2], System.Globalization.CultureInfo.InvariantCulture)!;
            long numel = Convert.ToInt64(tuple[4]);
            if (storages.TryGetValue(key, out var cached))
            {
                return cached;
            }
            var entry = archive.GetEntry(prefix + "data/" + key)
                ?? throw new FlamException($"Checkpoint '{path}' is missing storage record '{prefix}data/{key}' (truncated or corrupt).");
            if (entry.Length < numel * dtype.Size)
            {
                throw new FlamException($"Checkpoint '{path}': storage record '{entry.FullName}' holds {entry.Length} bytes, {numel * dtype.Size} expected (truncated).");
            }
            var bytes = ReadAll(entry);
            var data = empty([numel], dtype.Type);
            if (numel > 0)
            {
                data.bytes = bytes.AsSpan(0, checked((int)(numel * dtype.Size)));
            }
            var storage = new Storage(data);
            storages[key] = storage;
            return storage;
        }

        public void DisposeStorages()
        {
            foreach (var s in storages.Values) s.Data.Dispose();
            storages.Clear();
        }
    }
}

using static TorchSharp.torch;

namespace Flam.Runtime;

/// <summary>The <c>--precision</c> of inference: the audio encoder's compute type, or <see cref="Auto"/> to choose by CPU.</summary>
public enum InferencePrecision
{
    /// <summary>bf16 where the CPU computes it natively, fp32 elsewhere (<see cref="PrecisionChoice.Decide"/>).</summary>
    Auto,
    /// <summary>float32: exact, the reference outputs.</summary>
    Fp32,
    /// <summary>bfloat16 in the audio encoder's transformer (see docs/model.md for its deviation).</summary>
    Bf16,
}

/// <summary>The compute type an <see cref="InferencePrecision"/> resolves to on this CPU, and why.</summary>
/// <param name="Type"><see cref="ScalarType.Float32"/> or <see cref="ScalarType.BFloat16"/>.</param>
/// <param name="Reason">One sentence for <c>flam info</c> and logs.</param>
public sealed record PrecisionChoice(ScalarType Type, string Reason)
{
    /// <summary>CPU feature flags (Linux <c>/proc/cpuinfo</c> names) that mean native BF16 arithmetic.</summary>
    public static IReadOnlyList<string> NativeBf16Flags { get; } = ["avx512_bf16", "amx_bf16"];

    /// <summary>The short name (<c>fp32</c> or <c>bf16</c>) of <see cref="Type"/>.</summary>
    public string Name => Type == ScalarType.BFloat16 ? "bf16" : "fp32";

    /// <summary>
    /// Resolves <paramref name="requested"/> against the CPU's feature flags. <see cref="InferencePrecision.Auto"/>
    /// picks bf16 only with a native BF16 flag: without one libtorch emulates bf16 and a 10 s clip through v1-base took
    /// 0.74 s instead of 0.25 s in fp32. A pure function of its inputs, so every case is testable on any machine.
    /// </summary>
    public static PrecisionChoice Decide(InferencePrecision requested, IReadOnlySet<string> cpuFlags)
    {
        var native = NativeBf16Flags.FirstOrDefault(cpuFlags.Contains);
        return requested switch
        {
            InferencePrecision.Fp32 => new(ScalarType.Float32, "fp32 requested"),
            InferencePrecision.Bf16 => new(ScalarType.BFloat16, native is null
                ? "bf16 requested (this CPU has no native BF16, so it is likely slower than fp32)"
                : $"bf16 requested (CPU flag {native})"),
            _ => native is null
                ? new(ScalarType.Float32, $"auto: the CPU has no native BF16 ({string.Join(" / ", NativeBf16Flags)} absent), where bf16 is about 3x slower")
                : new(ScalarType.BFloat16, $"auto: the CPU has native BF16 ({native})"),
        };
    }

    /// <summary>Parses <c>auto</c>, <c>fp32</c> or <c>bf16</c> (case-insensitive).</summary>
    /// <exception cref="FlamException">Any other value.</exception>
    public static InferencePrecision Parse(string value) => value.ToLowerInvariant() switch
    {
        "auto" => InferencePrecision.Auto,
        "fp32" => InferencePrecision.Fp32,
        "bf16" => InferencePrecision.Bf16,
        _ => throw new FlamException($"Unknown --precision '{value}': use auto, fp32 or bf16."),
    };

    /// <summary>The feature flags of the first CPU in a Linux <c>/proc/cpuinfo</c> text (its <c>flags</c> line).</summary>
    public static IReadOnlySet<string> ParseCpuInfoFlags(string cpuInfo)
    {
        foreach (var line in cpuInfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == "flags")
            {
                return line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            }
        }
        return new HashSet<string>();
    }

    /// <summary>This machine's CPU feature flags, read at run time (Linux); empty elsewhere, which resolves auto to fp32.</summary>
    public static IReadOnlySet<string> CurrentCpuFlags()
    {
        const string cpuInfo = "/proc/cpuinfo";
        try
        {
            return File.Exists(cpuInfo) ? ParseCpuInfoFlags(File.ReadAllText(cpuInfo)) : new HashSet<string>();
        }
        catch (IOException)
        {
            return new HashSet<string>();
        }
    }

    /// <summary><see cref="Decide"/> for this machine.</summary>
    public static PrecisionChoice ForThisCpu(InferencePrecision requested) => Decide(requested, CurrentCpuFlags());
}

using System.CommandLine;
using Flam.Runtime;

namespace Flam.Cli;

/// <summary>Option helpers shared by the commands that expose every default of an options record.</summary>
internal static class CliOptions
{
    /// <summary>An option whose default is the options record's default, shown in <c>--help</c>.</summary>
    public static Option<T> Opt<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>
    /// <c>--precision auto|fp32|bf16</c> of the commands that run the audio encoder. The default stays fp32, the exact
    /// reference outputs; auto picks bf16 only on CPUs with native BF16 (<see cref="PrecisionChoice.Decide"/>).
    /// </summary>
    public static Option<string> Precision() => Opt("--precision",
        "Audio encoder precision: fp32 (exact), bf16, or auto (bf16 only where the CPU has native BF16, AVX-512 BF16 / AMX; see flam info).", "fp32");
}

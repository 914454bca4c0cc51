using Flam.Runtime;
using static TorchSharp.torch;

namespace Flam.Tests.Runtime;

public sealed class PrecisionChoiceTests
{
    private static HashSet<string> Flags(params string[] flags) => new(flags, StringComparer.Ordinal);

    [Theory]
    [InlineData(new[] { "avx2", "avx512f", "avx512_bf16" }, "bf16")]
    [InlineData(new[] { "avx2", "amx_bf16", "amx_tile" }, "bf16")]
    [InlineData(new[] { "avx2", "avx512f", "avx512bw" }, "fp32")] // AVX-512 without BF16: bf16 is emulated, about 3x slower
    [InlineData(new string[0], "fp32")]                            // no flags known (not Linux): never assume
    public void Auto_picks_bf16_only_with_a_native_bf16_flag(string[] flags, string expected)
    {
        var choice = PrecisionChoice.Decide(InferencePrecision.Auto, Flags(flags));
        Assert.Equal(expected, choice.Name);
        Assert.Equal(expected == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32, choice.Type);
        Assert.StartsWith("auto: ", choice.Reason);
    }

    [Fact]
    public void Explicit_choices_are_kept_whatever_the_cpu()
    {
        Assert.Equal(ScalarType.Float32, PrecisionChoice.Decide(InferencePrecision.Fp32, Flags("avx512_bf16")).Type);
        var slow = PrecisionChoice.Decide(InferencePrecision.Bf16, Flags("avx2"));
        Assert.Equal(ScalarType.BFloat16, slow.Type);
        Assert.Contains("no native BF16", slow.Reason);
    }

    [Fact]
    public void Flags_come_from_the_cpuinfo_flags_line()
    {
        const string cpuInfo = "processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\n";
        Assert.Equal(Flags("fpu", "sse2", "avx2", "avx512f", "avx512_bf16"), PrecisionChoice.ParseCpuInfoFlags(cpuInfo));
        Assert.Empty(PrecisionChoice.ParseCpuInfoFlags("processor\t: 0\n"));
    }

    [Fact]
    public void Unknown_precision_names_the_choices()
    {
        Assert.Equal(InferencePrecision.Bf16, PrecisionChoice.Parse("BF16"));
        var e = Assert.Throws<FlamException>(() => PrecisionChoice.Parse("fp64"));
        Assert.Contains("'fp64'", e.Message);
        Assert.Contains("auto, fp32 or bf16", e.Message);
    }
}

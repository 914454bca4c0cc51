using Flam.Cli;
using Flam.Model;

namespace Flam.Tests.Cli;

[Collection(TorchCollection.Name)]
public class InfoCommandTests
{
    [Fact]
    public async Task ReportsVersionsNativeLibraryThreadsAndDevices()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await FlamApp.RunAsync(["info"], stdout, stderr);
        Assert.True(exit == 0, stderr.ToString());
        var text = stdout.ToString();
        Assert.Contains("TorchSharp  0.107.0", text);
        Assert.Contains("libtorch    2.10.0", text);
        Assert.Contains("threads     ", text);
        Assert.Contains("devices     cpu", text);
        Assert.Contains($"model       default {ModelBundle.DefaultDirectory}", text);
        // Which precision auto would use, decided from the CPU's flags as read here independently.
        var nativeBf16 = OperatingSystem.IsLinux() && File.ReadAllText("/proc/cpuinfo").Split('\n')
            .Any(line => line.StartsWith("flags", StringComparison.Ordinal) && (line.Contains(" avx512_bf16") || line.Contains(" amx_bf16")));
        Assert.Contains(nativeBf16 ? "precision   --precision auto would use bf16: auto: the CPU has native BF16"
            : "precision   --precision auto would use fp32: auto: the CPU has no native BF16", text);
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains("libLibTorchSharp.so", text);
            Assert.Contains("GLIBCXX_3.4.32 version need: weak", text);
        }
    }
}

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
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains("libLibTorchSharp.so", text);
            Assert.Contains("GLIBCXX_3.4.32 version need: weak", text);
        }
    }
}

using Flam.Runtime;
using TorchSharp;

namespace Flam.Tests.Runtime;

[Collection(TorchCollection.Name)]
public class TorchRuntimeTests
{
    [Fact]
    public void LibTorchLoadsAndComputes()
    {
        using var scope = torch.NewDisposeScope();
        TorchRuntime.EnsureLoaded();
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = torch.matmul(a, a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
        using var window = torch.hann_window(8, periodic: true);
        using var spec = torch.stft(torch.ones(64), 8, hop_length: 4, window: window, center: true, return_complex: true);
        Assert.Equal(5, spec.shape[0]);
    }

    [Fact]
    public void UnknownDeviceIsAClearError()
    {
        var e = Assert.Throws<FlamException>(() => TorchRuntime.Device("tpu"));
        Assert.Contains("tpu", e.Message);
    }

    [Fact]
    public void IntraOpThreadsApplyInsideAndThreadsStartedLaterKeepTheirCount()
    {
        int CountOfANewThread()
        {
            var count = 0;
            var thread = new Thread(() => count = torch.get_num_threads());
            thread.Start();
            thread.Join();
            return count;
        }
        var before = CountOfANewThread();
        var inside = 0;
        var worker = new Thread(() => TorchRuntime.WithIntraOpThreads(before + 1, () => inside = torch.get_num_threads()));
        worker.Start();
        worker.Join();
        Assert.Equal(before + 1, inside);
        Assert.Equal(before, CountOfANewThread());
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("3", 3)]
    public void ThreadSettingIsParsed(string? value, int? expected) => Assert.Equal(expected, TorchRuntime.ParseThreads(value));

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("two")]
    public void BadThreadSettingIsAClearError(string value)
    {
        var e = Assert.Throws<FlamException>(() => TorchRuntime.ParseThreads(value));
        Assert.Contains(TorchRuntime.ThreadsVariable, e.Message);
        Assert.Contains(value, e.Message);
    }

    [Fact]
    public void LoadedNativeLibraryHasItsGlibcxxNeedWeakened()
    {
        TorchRuntime.EnsureLoaded();
        var status = NativeLibraryStatus.Inspect();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(status.GlibcxxNeed); // the patch and /proc/self/maps exist on Linux only
            return;
        }
        Assert.EndsWith("libLibTorchSharp.so", status.Path);
        Assert.Equal("weak", status.GlibcxxNeed);
        Assert.Equal(0x2, NativeLibraryStatus.VersionNeedFlags(File.ReadAllBytes(status.Path!), NativeLibraryStatus.GlibcxxVersion)! & 0x2);
        Assert.Null(NativeLibraryStatus.VersionNeedFlags(File.ReadAllBytes(status.Path!), "GLIBCXX_99.0"));
    }

    [Fact]
    public void NonElfBytesHaveNoVersionNeeds() =>
        Assert.Null(NativeLibraryStatus.VersionNeedFlags("not an ELF file at all, just some text padding it out to 64 bytes"u8, "GLIBCXX_3.4.32"));
}

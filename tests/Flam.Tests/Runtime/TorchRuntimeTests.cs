using Flam.Runtime;
using TorchSharp;

namespace Flam.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void LibTorchLoadsAndComputes()
    {
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
}

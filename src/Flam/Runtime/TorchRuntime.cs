using System.Runtime.InteropServices;
using TorchSharp;

namespace Flam.Runtime;

/// <summary>
/// Loads libtorch once and turns a failed native load into one clear message instead of a
/// <see cref="DllNotFoundException"/> deep inside TorchSharp.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<Exception?> LoadError = new(TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Environment variable that sets libtorch's intra-op thread count (default: libtorch's choice, one per core).</summary>
    public const string ThreadsVariable = "FLAM_THREADS";

    private static readonly Lazy<int?> ThreadSetting = new(ApplyThreadSetting, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when libtorch is loaded and usable.</summary>
    public static bool IsAvailable => LoadError.Value is null;

    /// <summary>Ensures libtorch is loaded; throws <see cref="FlamException"/> with a readable reason otherwise.</summary>
    public static void EnsureLoaded()
    {
        if (LoadError.Value is { } error)
        {
            throw new FlamException(
                "The native PyTorch library (libtorch via TorchSharp) could not be loaded: " + error.Message +
                " On Linux, build with 'dotnet build' so that Flam's build step can adapt libLibTorchSharp.so to this system's libstdc++.",
                error);
        }
        _ = ThreadSetting.Value;
    }

    /// <summary>The thread count requested through <see cref="ThreadsVariable"/>, or null when it is not set.</summary>
    /// <exception cref="FlamException">The value is not a positive whole number.</exception>
    public static int? ParseThreads(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var threads) || threads <= 0)
        {
            throw new FlamException($"{ThreadsVariable}='{value}' is not a positive whole number of threads.");
        }
        return threads;
    }

    /// <summary>
    /// Runs <paramref name="body"/> with libtorch's intra-op thread count of the calling thread set to
    /// <paramref name="threads"/>, then sets back the count threads take when they first use libtorch (libtorch keeps
    /// the count per thread, and a thread starting later takes the last one set).
    /// </summary>
    public static void WithIntraOpThreads(int threads, Action body)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        EnsureLoaded();
        var before = torch.get_num_threads();
        torch.set_num_threads(threads);
        try
        {
            body();
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    private static int? ApplyThreadSetting()
    {
        var threads = ParseThreads(Environment.GetEnvironmentVariable(ThreadsVariable));
        if (threads is { } n)
        {
            torch.set_num_threads(n);
        }
        return threads;
    }

    /// <summary>Parses a device name ("cpu", "cuda", "cuda:1") after making sure libtorch is loaded.</summary>
    public static torch.Device Device(string name)
    {
        EnsureLoaded();
        var noCuda = $"Device '{name}' was requested but this build of Flam has no CUDA (it ships the CPU libtorch, libtorch-cpu): " +
            "run on the CPU with --device cpu, or build Flam against a CUDA libtorch package (libtorch-cuda-*) on a machine with an NVIDIA driver.";
        try
        {
            var device = torch.device(name);
            if (device.type == DeviceType.CUDA && !torch.cuda.is_available())
            {
                throw new FlamException(noCuda);
            }
            return device;
        }
        catch (ArgumentException e)
        {
            throw new FlamException($"Unknown device '{name}': use cpu, cuda or cuda:N.", e);
        }
        catch (InvalidOperationException e) when (name.StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
        {
            // TorchSharp initialises a device type when it is first named, and a CPU-only libtorch fails that for CUDA.
            throw new FlamException(noCuda, e);
        }
    }

    /// <summary>A one-line description of the native runtime, for <c>flam info</c>.</summary>
    public static string Describe()
    {
        if (!IsAvailable)
        {
            return "libtorch: NOT LOADED (" + LoadError.Value!.Message + ")";
        }
        return $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch threads {torch.get_num_threads()}, CUDA {(torch.cuda.is_available() ? "available" : "not available")}, {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}";
    }

    private static Exception? TryLoad()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using var probe = torch.ones(1);
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException or BadImageFormatException)
        {
            return e.InnerException ?? e;
        }
    }
}

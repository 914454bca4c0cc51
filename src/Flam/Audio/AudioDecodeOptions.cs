namespace Flam.Audio;

/// <summary>Options for decoding audio files with <see cref="AudioFile"/>.</summary>
/// <param name="Warning">
/// Receives non-fatal problems (for example a WAV data chunk that claims more bytes than the file holds); each message
/// names the file. Null ignores them.
/// </param>
/// <param name="FfmpegLocator">
/// Returns the path of the <c>ffmpeg</c> executable, or null when it is not available. Formats without a managed decoder
/// are decoded through it. Null uses <see cref="FindFfmpegOnPath"/>.
/// </param>
public sealed record AudioDecodeOptions(Action<string>? Warning = null, Func<string?>? FfmpegLocator = null)
{
    /// <summary>No warning sink; ffmpeg looked up on PATH.</summary>
    public static AudioDecodeOptions Default { get; } = new();

    /// <summary>Finds <c>ffmpeg</c> in the folders of the PATH environment variable; null when it is not there.</summary>
    public static string? FindFfmpegOnPath()
    {
        var names = OperatingSystem.IsWindows() ? new[] { "ffmpeg.exe", "ffmpeg" } : new[] { "ffmpeg" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// How long to wait for a writer when the input is a named pipe (FIFO): opening one blocks until something opens it
    /// for writing. After this a <see cref="FlamException"/> says so. Standard input is not limited.
    /// </summary>
    public TimeSpan PipeOpenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal void Warn(string message) => Warning?.Invoke(message);

    internal string? LocateFfmpeg() => (FfmpegLocator ?? FindFfmpegOnPath)();
}

using Flam.Audio;

namespace Flam.Tests.Audio;

/// <summary>
/// Formats without a managed decoder go through ffmpeg. CI has no ffmpeg, so these tests inject a stand-in script
/// that records its arguments and plays back known raw float32 samples (Unix shells only, like CI).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FfmpegFallbackTests : IDisposable
{
    private readonly TempDirectory _dir = FixturePaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private string FakeFfmpeg(string body)
    {
        var path = Path.Combine(_dir, "fake-ffmpeg");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    // Bytes no decoder of Flam recognises (an MPEG-4 'ftyp' box, as in .m4a files).
    private string UnknownAudio() => TestWav.Save(_dir, "clip.m4a", [0, 0, 0, 0x18, .. "ftypM4A "u8, 0, 0, 0, 0, .. "M4A mp42isom"u8]);

    [Fact]
    public void UnknownFormatIsDecodedFromFfmpegStdoutAsMonoFloatAtTheTargetRate()
    {
        var samples = Enumerable.Range(0, 20000).Select(i => (float)Math.Sin(i * 0.05)).ToArray();
        var raw = TestWav.Save(_dir, "raw.f32", TestWav.Float32(samples));
        var args = Path.Combine(_dir, "args.txt");
        var ffmpeg = FakeFfmpeg($"printf '%s\\n' \"$@\" > '{args}'\ncat '{raw}'");
        var input = UnknownAudio();
        var options = new AudioDecodeOptions(FfmpegLocator: () => ffmpeg);

        Assert.Equal(samples, AudioFile.Load(input, 22050, options));
        var argv = File.ReadAllLines(args);
        Assert.Equal(["-nostdin", "-v", "error", "-i", input, "-vn", "-f", "f32le", "-ac", "1", "-ar", "22050", "-"], argv);

        var windows = AudioFile.Windows(input, 8000, 8000, 22050, options).ToList();
        Assert.Equal([8000, 8000, 4000], windows.Select(w => w.Valid));
        Assert.Equal(samples[16000..], windows[2].Samples[..4000]);
    }

    [Fact]
    public void UnsupportedWavCodecGoesToFfmpeg()
    {
        var raw = TestWav.Save(_dir, "raw.f32", TestWav.Float32(0.25f, -0.5f));
        var ffmpeg = FakeFfmpeg($"cat '{raw}'");
        var adpcm = TestWav.Save(_dir, "adpcm.wav", TestWav.Riff(
            new TestWav.Chunk("fmt ", TestWav.Fmt(0x11, 1, 8000, 4, blockAlign: 256)), new TestWav.Chunk("data", new byte[256])));
        Assert.Equal([0.25f, -0.5f], AudioFile.Load(adpcm, 48000, new AudioDecodeOptions(FfmpegLocator: () => ffmpeg)));
    }

    [Fact]
    public void FfmpegFailureIsReportedWithItsMessage()
    {
        var ffmpeg = FakeFfmpeg("echo 'clip.m4a: Invalid data found when processing input' >&2\nexit 1");
        var input = UnknownAudio();
        var e = Assert.Throws<FlamException>(() => AudioFile.Load(input, 48000, new AudioDecodeOptions(FfmpegLocator: () => ffmpeg)));
        Assert.Contains(input, e.Message);
        Assert.Contains("Invalid data found", e.Message);
    }

    [Fact]
    public void ProbeReadsFfmpegsStreamSummary()
    {
        var ffmpeg = FakeFfmpeg(
            "echo \"Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.m4a':\" >&2\n" +
            "echo '  Duration: 00:00:02.50, start: 0.000000, bitrate: 130 kb/s' >&2\n" +
            "echo '  Stream #0:0(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 128 kb/s (default)' >&2\n" +
            "echo 'At least one output file must be specified' >&2\nexit 1");
        var info = AudioFile.Probe(UnknownAudio(), new AudioDecodeOptions(FfmpegLocator: () => ffmpeg));
        Assert.Equal((44100, 2, 110250L, "ffmpeg/aac"), (info.SampleRate, info.Channels, info.Frames, info.Format));
    }

    [Fact]
    public void AbandonedIterationStopsFfmpeg()
    {
        // A stand-in that would stream forever; leaving the loop early must end it (no orphaned process).
        var pidFile = Path.Combine(_dir, "pid");
        var ffmpeg = FakeFfmpeg($"echo $$ > '{pidFile}'\nexec cat /dev/zero");
        var first = AudioFile.Windows(UnknownAudio(), 1000, 1000, 16000, new AudioDecodeOptions(FfmpegLocator: () => ffmpeg)).First();
        Assert.Equal(1000, first.Valid);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }
}

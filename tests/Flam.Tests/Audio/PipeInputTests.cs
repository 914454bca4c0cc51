using Flam.Audio;

namespace Flam.Tests.Audio;

/// <summary>Every streaming format read through a FIFO (written by another thread) decodes as the same file does.</summary>
public sealed class PipeInputTests
{
    [Theory]
    [InlineData("three16.wav")]
    [InlineData("stereo24-b4608.flac")]
    [InlineData("tone1k-44k-mono.mp3")]
    [InlineData("tone880-48k-stereo.ogg")]
    public async Task A_fifo_decodes_like_the_file(string name)
    {
        if (OperatingSystem.IsWindows()) return;
        var file = FixturePaths.Get("audio", name);
        using var temp = FixturePaths.NewTempDirectory();
        var fifo = FixturePaths.NewFifo(temp);
        Assert.True(PipeInput.IsStream(fifo));
        var writer = Task.Run(() => File.WriteAllBytes(fifo, File.ReadAllBytes(file)));
        var fromPipe = AudioFile.Load(fifo, 16000);
        await writer;
        Assert.Equal(AudioFile.Load(file, 16000), fromPipe);
    }

    [Fact]
    public async Task A_format_that_needs_ffmpeg_is_refused_on_a_pipe_with_advice()
    {
        if (OperatingSystem.IsWindows()) return;
        using var temp = FixturePaths.NewTempDirectory();
        var fifo = FixturePaths.NewFifo(temp);
        var writer = Task.Run(() => File.WriteAllBytes(fifo, [0, 1, 2, 3, 4, 5, 6, 7, 0xFF, 0xFE]));
        var e = Assert.Throws<FlamException>(() => AudioFile.Load(fifo, 16000));
        await writer;
        Assert.Contains("from standard input or a pipe Flam reads only WAV", e.Message);
    }

    [Fact]
    public async Task Probing_a_fifo_is_refused_without_consuming_it()
    {
        if (OperatingSystem.IsWindows()) return;
        var file = FixturePaths.Get("audio", "three16.wav");
        using var temp = FixturePaths.NewTempDirectory();
        var fifo = FixturePaths.NewFifo(temp);
        var e = Assert.Throws<FlamException>(() => AudioFile.Probe(fifo));
        Assert.Contains($"'{fifo}'", e.Message);
        Assert.Contains("read only once", e.Message);
        Assert.Contains("read only once", Assert.Throws<FlamException>(() => AudioFile.Probe(PipeInput.StandardInput)).Message);
        // Nothing was read: the whole recording is still there for decoding.
        var writer = Task.Run(() => File.WriteAllBytes(fifo, File.ReadAllBytes(file)));
        var fromPipe = AudioFile.Load(fifo, 16000);
        await writer;
        Assert.Equal(AudioFile.Load(file, 16000), fromPipe);
    }
}

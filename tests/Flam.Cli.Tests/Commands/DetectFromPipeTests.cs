using System.Buffers.Binary;
using System.Diagnostics;
using Flam.Audio;
using Flam.Cli;

namespace Flam.Tests.Inference;

/// <summary>
/// <c>flam detect</c> reading one-shot streams: standard input (<c>-</c>), a FIFO, a FIFO nobody writes to, and a
/// character device. The micro fixture model is random, so with threshold 1e-6 the one event is the whole recording,
/// which shows its full length arrived.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DetectFromPipeTests
{
    /// <summary>3 s of 16-bit mono noise at 48 kHz as ffmpeg writes it to a pipe: RIFF and data sizes 0xFFFFFFFF, a LIST chunk before the data.</summary>
    private static byte[] PipeWav()
    {
        const int rate = 48000, frames = 3 * rate;
        var random = new Random(5);
        var bytes = new List<byte>();
        void Text(string s) => bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(s));
        void U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); bytes.AddRange(b); }
        void U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); bytes.AddRange(b); }
        Text("RIFF"); U32(uint.MaxValue); Text("WAVE");
        Text("fmt "); U32(16); U16(1); U16(1); U32(rate); U32(2 * rate); U16(2); U16(16);
        Text("LIST"); U32(4); Text("INFO");
        Text("data"); U32(uint.MaxValue);
        for (var i = 0; i < frames; i++) U16((ushort)(short)random.Next(-8000, 8000));
        return [.. bytes];
    }

    [Fact]
    public void Standard_input_wav_with_unknown_size_is_detected_to_its_end()
    {
        var (code, output, error) = CliProcess.RunWithInput(PipeWav(), new Dictionary<string, string>(),
            ["detect", "-", "-q", "time", "--format", "tsv", "--threshold", "1e-6", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        Assert.Equal(["filename\tonset\toffset\tevent_label", "-\t0\t3\ttime"], output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task A_fifo_written_by_another_thread_is_detected()
    {
        if (OperatingSystem.IsWindows()) return;
        using var temp = FixturePaths.NewTempDirectory();
        var fifo = FixturePaths.NewFifo(temp);
        var wav = PipeWav();
        var writer = Task.Run(() => File.WriteAllBytes(fifo, wav));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["detect", fifo, "-q", "time", "--format", "tsv", "--threshold", "1e-6", .. FixturePaths.MicroModelArguments()], stdout, stderr);
        await writer;
        Assert.True(code == 0, stderr.ToString());
        Assert.Equal($"{fifo}\t0\t3\ttime", stdout.ToString().TrimEnd('\n').Split('\n')[1]);
    }

    [Fact]
    public void A_fifo_without_writer_fails_with_a_clear_message_after_the_timeout()
    {
        if (OperatingSystem.IsWindows()) return;
        using var temp = FixturePaths.NewTempDirectory();
        var fifo = FixturePaths.NewFifo(temp);
        var clock = Stopwatch.StartNew();
        var (code, _, error) = CliProcess.RunWithInput([], new Dictionary<string, string> { [PipeInput.TimeoutVariable] = "0.5" },
            ["detect", fifo, "-q", "time", .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(1, code);
        Assert.Contains($"'{fifo}': it is a named pipe (FIFO) and nothing opened it for writing within 0.5 s", error);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 60);
    }

    [Fact]
    public async Task Dev_zero_is_reported_as_a_device()
    {
        if (!File.Exists("/dev/zero")) return;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["detect", "/dev/zero", "-q", "time", .. FixturePaths.MicroModelArguments()], stdout, stderr);
        Assert.Equal(1, code);
        Assert.Contains("Cannot read audio '/dev/zero': it is a character or block device, not an audio file.", stderr.ToString());
    }
}

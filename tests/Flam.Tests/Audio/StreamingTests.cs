using System.Buffers.Binary;
using Flam.Audio;
using static Flam.Tests.Audio.TestWav;

namespace Flam.Tests.Audio;

public sealed class StreamingTests : IDisposable
{
    private readonly TempDirectory _dir = FixturePaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private string NoiseWav(string name, int rate, int samples, int channels = 1)
    {
        var random = new Random(samples);
        var values = new short[samples * channels];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (short)random.Next(-20000, 20000);
        }
        return Save(_dir, name, Simple(1, channels, rate, 16, Int16(values)));
    }

    [Theory]
    [InlineData(48000, 4800, 4800)]   // no resampling, back to back
    [InlineData(44100, 4800, 2400)]   // 50 % overlap
    [InlineData(16000, 3000, 1000)]   // heavy overlap, 3× upsampling
    [InlineData(32000, 1000, 2500)]   // gaps between windows
    public void WindowsAreSlicesOfTheWholeLoadWithAZeroPaddedLastOne(int rate, int window, int hop)
    {
        var path = NoiseWav($"noise{rate}.wav", rate, 3 * rate / 2 + 7, channels: 2);
        var whole = AudioFile.Load(path, 48000);
        var windows = AudioFile.Windows(path, window, hop, 48000).ToList();
        for (var k = 0; k < windows.Count; k++)
        {
            var w = windows[k];
            Assert.Equal((long)k * hop, w.Start);
            Assert.Equal(window, w.Samples.Length);
            Assert.Equal((int)Math.Min(window, whole.Length - w.Start), w.Valid);
            for (var i = 0; i < window; i++)
            {
                var expected = i < w.Valid ? whole[w.Start + i] : 0f;
                Assert.True(Math.Abs(w.Samples[i] - expected) <= 1e-6, $"window {k} sample {i}");
            }
        }
        // Windows continue until one reaches the end (or the next would start after it), and stop there.
        var last = windows[^1];
        Assert.True(last.Start + Math.Max(window, hop) >= whole.Length);
        Assert.True(windows.Count == 1 || windows[^2].Start + window < whole.Length);
    }

    [Fact]
    public void ShortAndEmptyRecordings()
    {
        var one = Assert.Single(AudioFile.Windows(NoiseWav("short.wav", 48000, 100), 480, 240, 48000));
        Assert.Equal((0L, 100), (one.Start, one.Valid));
        Assert.All(one.Samples[100..], s => Assert.Equal(0f, s));
        Assert.Empty(AudioFile.Windows(Save(_dir, "empty-data.wav", Simple(1, 1, 48000, 16, [])), 480, 240, 48000));
        Assert.Empty(AudioFile.Load(Save(_dir, "empty-data2.wav", Simple(1, 1, 8000, 16, [])), 48000));
        var exact = AudioFile.Windows(NoiseWav("exact.wav", 48000, 960), 480, 480, 48000).ToList();
        Assert.Equal([480, 480], exact.Select(w => w.Valid));
    }

    [Fact]
    public void LongFileStreamsWithBoundedAllocation()
    {
        // 10 minutes of 48 kHz 16-bit mono (57.6 MB on disk, 115 MB as floats), written in pieces.
        const int rate = 48000;
        const int seconds = 10 * 60;
        var path = Path.Combine(_dir, "long.wav");
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew))
            {
                var header = Simple(1, 1, rate, 16, []);
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), (uint)(2 * rate * seconds));
                file.Write(header);
                var second = new byte[2 * rate];
                for (var i = 0; i < rate; i++)
                {
                    BinaryPrimitives.WriteInt16LittleEndian(second.AsSpan(2 * i), (short)(10000 * Math.Sin(2 * Math.PI * 440 * i / rate)));
                }
                for (var s = 0; s < seconds; s++)
                {
                    file.Write(second);
                }
            }
            const int window = 10 * 48000;
            const int hop = 5 * 48000;
            var before = GC.GetAllocatedBytesForCurrentThread();
            long windows = 0, valid = 0;
            foreach (var w in AudioFile.Windows(path, window, hop, 48000))
            {
                windows++;
                valid = w.Start + w.Valid;
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(seconds / 5 - 1, windows);
            Assert.Equal(seconds * 48000L, valid);
            // Everything except the windows handed out (which the caller owns) must stay small.
            var overhead = allocated - windows * (window * 4L + 64);
            Assert.True(overhead < 16 << 20, $"streaming allocated {overhead / 1e6:F1} MB besides the windows");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

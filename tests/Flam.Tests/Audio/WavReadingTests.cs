using System.Buffers.Binary;
using Flam.Audio;
using static Flam.Tests.Audio.TestWav;

namespace Flam.Tests.Audio;

public sealed class WavReadingTests : IDisposable
{
    private readonly TempDirectory _dir = FixturePaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private static float[] LoadNative(string path) => AudioFile.Load(path, AudioFile.Probe(path).SampleRate);

    [Fact]
    public void Pcm8IsUnsignedAroundMidScale()
    {
        var path = Save(_dir, "u8.wav", Simple(1, 1, 8000, 8, [0, 64, 128, 192, 255]));
        Assert.Equal([-1f, -0.5f, 0f, 0.5f, 127f / 128], LoadNative(path));
        Assert.Equal("wav/pcm8", AudioFile.Probe(path).Format);
    }

    [Fact]
    public void Pcm16StereoIsAveragedToMono()
    {
        var path = Save(_dir, "s16.wav", Simple(1, 2, 16000, 16, Int16(16384, -16384, 32767, 32767, -32768, 0)));
        Assert.Equal([0f, 32767f / 32768, -0.5f], LoadNative(path));
        var info = AudioFile.Probe(path);
        Assert.Equal((16000, 2, 3L), (info.SampleRate, info.Channels, info.Frames));
    }

    [Fact]
    public void Pcm24SignExtends()
    {
        // 0x400000 = +0.5, 0xC00000 = −0.5, 0x800000 = −1, 0x7FFFFF = max.
        byte[] data = [0x00, 0x00, 0x40, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F];
        var path = Save(_dir, "s24.wav", Simple(1, 1, 44100, 24, data));
        Assert.Equal([0.5f, -0.5f, -1f, 8388607f / 8388608], LoadNative(path));
    }

    [Fact]
    public void Pcm32AndFloat64Decode()
    {
        var pcm32 = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(pcm32, int.MinValue);
        BinaryPrimitives.WriteInt32LittleEndian(pcm32.AsSpan(4), 1 << 29);
        Assert.Equal([-1f, 0.25f], LoadNative(Save(_dir, "s32.wav", Simple(1, 1, 8000, 32, pcm32))));

        var f64 = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(f64, 0.125);
        BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(8), -2.5);
        Assert.Equal([0.125f, -2.5f], LoadNative(Save(_dir, "f64.wav", Simple(3, 1, 8000, 64, f64))));
    }

    [Fact]
    public void ExtensibleSubFormatsAndThreeChannels()
    {
        var pcm = Riff(new Chunk("fmt ", Fmt(0, 3, 8000, 16, subFormat: 1)), new Chunk("data", Int16(300, 600, 900, -3, -3, -3)));
        Assert.Equal([600f / 32768, -3f / 32768], LoadNative(Save(_dir, "ext16.wav", pcm)));
        var flt = Riff(new Chunk("fmt ", Fmt(0, 2, 8000, 32, subFormat: 3)), new Chunk("data", Float32(0.25f, 0.75f)));
        var path = Save(_dir, "extf.wav", flt);
        Assert.Equal([0.5f], LoadNative(path));
        Assert.Equal("wav/float32", AudioFile.Probe(path).Format);
    }

    [Fact]
    public void UnknownChunksWithOddSizesAreSkipped()
    {
        var bytes = Riff(
            new Chunk("LIST", [1, 2, 3]),                   // odd: a pad byte follows
            new Chunk("fmt ", Fmt(1, 1, 8000, 16)),
            new Chunk("fact", [4, 0, 0, 0]),
            new Chunk("data", Int16(1000, -1000, 2000, -2000)),
            new Chunk("id3 ", [9, 9, 9]));
        Assert.Equal([1000f / 32768, -1000f / 32768, 2000f / 32768, -2000f / 32768], LoadNative(Save(_dir, "chunks.wav", bytes)));
    }

    [Fact]
    public void Rf64TakesTheDataSizeFromDs64()
    {
        var ds64 = new byte[28];
        BinaryPrimitives.WriteUInt64LittleEndian(ds64.AsSpan(8), 6); // data bytes
        var bytes = Container("RF64",
            new Chunk("ds64", ds64),
            new Chunk("fmt ", Fmt(1, 1, 8000, 16)),
            new Chunk("data", Int16(1, 2, 3, 4), DeclaredSize: uint.MaxValue));
        // ds64 says 3 samples although 4 are in the file.
        Assert.Equal([1f / 32768, 2f / 32768, 3f / 32768], LoadNative(Save(_dir, "rf64.wav", bytes)));
    }

    [Fact]
    public void FormatIsRecognisedFromContentNotExtension()
    {
        var path = Save(_dir, "really-a-wav.mp3", Simple(1, 1, 8000, 16, Int16(16384)));
        Assert.Equal([0.5f], LoadNative(path));
    }

    [Fact]
    public void WriterRoundTripsPcm16WithClippingAndFloat32Exactly()
    {
        float[] signal = [0f, 0.5f, -0.25f, 1.5f, -3f, 1e-6f];
        var pcm = Path.Combine(_dir, "w16.wav");
        WavWriter.Write(pcm, signal, 22050);
        var decoded = LoadNative(pcm);
        Assert.Equal(22050, AudioFile.Probe(pcm).SampleRate);
        float[] expected = [0f, MathF.Round(0.5f * 32767) / 32768, MathF.Round(-0.25f * 32767) / 32768, 32767f / 32768, -32767f / 32768, 0f];
        Assert.Equal(expected, decoded);

        var flt = Path.Combine(_dir, "w32.wav");
        WavWriter.Write(flt, signal, 48000, WavSampleFormat.Float32);
        Assert.Equal(signal, LoadNative(flt));
        Assert.Equal(44 + 4 * signal.Length, new FileInfo(flt).Length);
    }

    [Fact]
    public void WriterRefusesToOverwriteWhenAskedAndMissingFolders()
    {
        var path = Path.Combine(_dir, "exists.wav");
        File.WriteAllText(path, "keep me");
        var e = Assert.Throws<FlamException>(() => WavWriter.Write(path, [0f], 8000, overwrite: false));
        Assert.Contains(path, e.Message);
        Assert.Equal("keep me", File.ReadAllText(path));
        var missing = Path.Combine(_dir, "no-such-folder", "x.wav");
        e = Assert.Throws<FlamException>(() => WavWriter.Write(missing, [0f], 8000));
        Assert.Contains("does not exist", e.Message);
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
    }
}

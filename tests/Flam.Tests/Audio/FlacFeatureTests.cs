using Flam.Audio;
using static Flam.Tests.Audio.FlacStreamBuilder;

namespace Flam.Tests.Audio;

/// <summary>FLAC features the reference encoder did not produce for the fixtures, in streams written bit by bit.</summary>
public sealed class FlacFeatureTests : IDisposable
{
    private const int Block = 64;
    private readonly TempDirectory _dir = FixturePaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void VerbatimLeftSideEscapesRice5MidSideLpcConstantAndWastedBits()
    {
        var random = new Random(3);
        long[] Randoms(int range) => Enumerable.Range(0, Block).Select(_ => (long)random.Next(-range, range + 1)).ToArray();
        var builder = new FlacStreamBuilder(16000, 2, 16);
        var left = new List<long>();
        var right = new List<long>();

        // Frame 0, left/side: left VERBATIM; side FIXED order 2 with 5-bit parameters, partition 1 escaped with
        // 15-bit raw values and partition 2 escaped with width 0 (a straight line through it has zero residual).
        var l0 = Randoms(15000);
        var side0 = Randoms(300);
        for (var i = 16; i < 32; i++)
        {
            side0[i] = random.Next(-9000, 9000);
        }
        for (var i = 30; i < 48; i++)
        {
            side0[i] = -5000 + 37 * i;
        }
        builder.AddFrame(Block, 8,
            new Verbatim(l0),
            new Fixed(side0, 2, Method: 1, [new(RiceParameter: 9), new(RawBits: 16), new(RawBits: 0), new(RiceParameter: 10)]));
        left.AddRange(l0);
        right.AddRange(l0.Zip(side0, (l, s) => l - s));

        // Frame 1, mid/side: mid LPC order 3 (precision 12, shift 10); side CONSTANT and odd, so mid's lost bit matters.
        var mid1 = new long[Block];
        mid1[0] = 100;
        mid1[1] = 180;
        mid1[2] = 240;
        for (var i = 3; i < Block; i++)
        {
            mid1[i] = Math.Clamp(((1536 * mid1[i - 1] - 640 * mid1[i - 2] + 64 * mid1[i - 3]) >> 10) + random.Next(-50, 51), -16000, 16000);
        }
        const long side1 = 7;
        builder.AddFrame(Block, 10,
            new Lpc(mid1, [1536, -640, 64], Precision: 12, Shift: 10, Method: 0, [new(RiceParameter: 6), new(RiceParameter: 6)]),
            new Constant(side1));
        foreach (var m in mid1)
        {
            // mid = (l + r) >> 1, side = l − r  ⇒  l = m + (side + (side & 1)) / 2 rounded as the format defines
            var full = (m << 1) | (side1 & 1);
            left.Add((full + side1) >> 1);
            right.Add((full - side1) >> 1);
        }

        // Frame 2, independent: VERBATIM with 3 wasted bits; FIXED order 4, 4-bit parameters, partition 1 escaped.
        var l2 = Randoms(4000).Select(v => v * 8).ToArray();
        var r2 = new long[Block];
        for (var i = 0; i < Block; i++)
        {
            r2[i] = (long)(8000 * Math.Sin(i * 0.2)) + random.Next(-3, 4);
        }
        builder.AddFrame(Block, 1,
            new Verbatim(l2, WastedBits: 3),
            new Fixed(r2, 4, Method: 0, [new(RiceParameter: 5), new(RawBits: 12)]));
        left.AddRange(l2);
        right.AddRange(r2);

        var path = Path.Combine(_dir, "features.flac");
        File.WriteAllBytes(path, builder.Build());
        var decoded = AudioFile.Load(path, 16000);
        Assert.Equal(3 * Block, decoded.Length);
        for (var i = 0; i < decoded.Length; i++)
        {
            var expected = (left[i] + right[i]) / 65536.0;
            Assert.True(Math.Abs(decoded[i] - expected) < 1e-7, $"sample {i}: {decoded[i]} vs {expected}");
        }
        Assert.Equal(new AudioInfo(path, 16000, 2, 3 * Block, "flac"), AudioFile.Probe(path));
    }

    [Fact]
    public void TruncatedFlacFrameNamesTheFile()
    {
        var builder = new FlacStreamBuilder(8000, 1, 16);
        builder.AddFrame(Block, 0, new Verbatim(Enumerable.Range(0, Block).Select(i => (long)i * 100).ToArray()));
        var bytes = builder.Build();
        var path = Path.Combine(_dir, "cut.flac");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 40)]);
        var e = Assert.Throws<FlamException>(() => AudioFile.Load(path, 8000));
        Assert.Contains(path, e.Message);
        Assert.Contains("ends inside a frame", e.Message);
    }

    [Fact]
    public void FlacWithoutStreamInfoIsRejected()
    {
        var path = Path.Combine(_dir, "bad.flac");
        File.WriteAllBytes(path, [.. "fLaC"u8, 0x84, 0, 0, 4, 1, 2, 3, 4]); // only a (last) VORBIS_COMMENT block
        var e = Assert.Throws<FlamException>(() => AudioFile.Probe(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("STREAMINFO", e.Message);
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>
/// The readers of the containers some Debian packages keep their sounds in (OpenTTD's sample catalogue, Qt binary
/// resources) and the sound-font render plan, on tiny inputs built here; and a corpus build through them.
/// </summary>
public sealed class SoundContainerTests
{
    private static readonly byte[] WaveA = Wave(0x11, 6);
    private static readonly byte[] WaveB = Wave(0x22, 10);

    [Fact]
    public void OpenSfxCatalogueGivesEverySoundWithTitleAndFileName()
    {
        var cat = Catalogue(("\"Cow\". Original by X. License: CC0.", WaveA, "src/wav/osfx_00.wav"), ("\"Ship horn\". By Y.", WaveB, "src/wav/osfx_01.wav"));
        var sounds = OpenSfxCatalog.Parse("test.cat", cat);

        Assert.Equal(2, sounds.Count);
        Assert.Equal(["osfx_00.wav", "osfx_01.wav"], sounds.Select(s => s.FileName));
        Assert.Equal(["Cow", "Ship horn"], sounds.Select(s => s.Title));
        Assert.Equal("\"Cow\". Original by X. License: CC0.", sounds[0].Description);
        Assert.Equal(WaveA, sounds[0].Wave);
        Assert.Equal(WaveB, sounds[1].Wave);
    }

    [Fact]
    public void TruncatedOpenSfxCatalogueIsReportedByName()
    {
        var cat = Catalogue(("\"Cow\".", WaveA, "a.wav"), ("\"Horse\".", WaveB, "b.wav"));
        var e = Assert.Throws<FlamException>(() => OpenSfxCatalog.Parse("opensfx.cat", cat.AsSpan(0, cat.Length - 20)));
        Assert.Contains("opensfx.cat", e.Message);
        Assert.Contains("truncated", e.Message);

        var notACatalogue = Assert.Throws<FlamException>(() => OpenSfxCatalog.Parse("x.cat", "RIFF\0\0\0\0WAVE"u8));
        Assert.Contains("x.cat", notACatalogue.Message);
    }

    [Fact]
    public void QtResourceGivesPlainAndZlibEntries()
    {
        var plain = Encoding.ASCII.GetBytes("plain bytes of a wav");
        var packed = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("compressible ", 40)));
        var rcc = Resource(3, ("a.wav", plain, 0), ("b.ogg", packed, 1));

        var all = QtResourceFile.Parse("core.rcc", rcc);
        Assert.Equal(["gcompris/src/a.wav", "gcompris/src/b.ogg"], all.Select(e => e.Path));
        Assert.Equal(plain, all[0].Data);
        Assert.Equal(packed, all[1].Data);

        var wanted = QtResourceFile.Parse("core.rcc", rcc, p => p.EndsWith(".ogg", StringComparison.Ordinal));
        Assert.Equal("gcompris/src/b.ogg", Assert.Single(wanted).Path);

        var version1 = QtResourceFile.Parse("old.rcc", Resource(1, ("a.wav", plain, 0)));
        Assert.Equal(plain, Assert.Single(version1).Data);
    }

    [Fact]
    public void BadQtResourcesAreReportedByName()
    {
        var rcc = Resource(3, ("a.wav", new byte[64], 0));
        var truncated = Assert.Throws<FlamException>(() => QtResourceFile.Parse("cut.rcc", rcc[..(rcc.Length - 30)]));
        Assert.Contains("cut.rcc", truncated.Message);

        var zstd = Assert.Throws<FlamException>(() => QtResourceFile.Parse("z.rcc", Resource(3, ("a.wav", new byte[8], 4))));
        Assert.Contains("z.rcc", zstd.Message);
        Assert.Contains("zstd", zstd.Message);

        var noMagic = Assert.Throws<FlamException>(() => QtResourceFile.Parse("n.rcc", new byte[32]));
        Assert.Contains("n.rcc", noMagic.Message);
    }

    [Fact]
    public void MidiFileOfOneNoteHasTheStandardLayout()
    {
        var bytes = SoundFontRenders.MidiFile(new SoundFontNote("x.wav", Percussion: true, Bank: 0, Program: 40, Note: 38, Velocity: 100, HoldSeconds: 0.5));
        byte[] expectedTrack =
        [
            0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, // tempo 500 000 us per quarter
            0x00, 0xB9, 0x00, 0x00, // bank 0 on channel 10
            0x00, 0xC9, 40, // kit 40 (brush)
            0x00, 0x99, 38, 100, // note on
            0x83, 0x60, 0x89, 38, 0x40, // 480 ticks (0.5 s at 960 ticks/s), note off
            0x87, 0x40, 0xFF, 0x2F, 0x00, // 960 ticks (1 s tail), end of track
        ];
        byte[] expectedHeader = [.. "MThd"u8, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xE0, .. "MTrk"u8, 0, 0, 0, (byte)expectedTrack.Length];
        Assert.Equal([.. expectedHeader, .. expectedTrack], bytes);
        Assert.Throws<FlamException>(() => SoundFontRenders.MidiFile(new SoundFontNote("x.wav", false, 0, 128, 60, 100, 1)));
    }

    [Fact]
    public void RenderPlanIsCappedAndKeepsEachSoundInOneFamily()
    {
        var plan = SoundFontRenders.Plan;
        Assert.InRange(plan.Count, 400, 600);
        Assert.Equal(plan.Count, plan.Select(n => n.RelativePath).Distinct().Count());
        // Every render of one instrument (or of one drum key, in all kits) is one recording family (one split), within
        // the default variant cap.
        var families = plan.GroupBy(n => LabelRules.FamilyKey(n.RelativePath)).ToList();
        Assert.All(families, f => Assert.Single(f.Select(n => n.Percussion ? (-1, -1, n.Note) : (n.Bank, n.Program, -1)).Distinct()));
        Assert.All(families, f => Assert.InRange(f.Count(), 1, new CorpusOptions { OutputDirectory = "o", CacheDirectory = "c" }.MaxVariantsPerFamily));
        Assert.Contains(plan, n => n.RelativePath.StartsWith("effects/124-telephone-ringing/", StringComparison.Ordinal));
        Assert.Equal(47 * 3, plan.Count(n => n.Percussion));
    }

    [Fact]
    public void RenderedNotesGetNaturalLabels()
    {
        var table = LabelTable.Default;
        Assert.Equal("violin playing", table.Label("fluid-soundfont-gm", "FluidR3_GM/melodic/040-violin/violin_2.wav", null).Label);
        Assert.Equal("telephone ringing", table.Label("fluid-soundfont-gm", "FluidR3_GM/effects/124-telephone-ringing/telephone-ringing_1.wav", null).Label);
        Assert.Equal("snare drum hit", table.Label("fluid-soundfont-gm", "FluidR3_GM/drums/038-snare-drum/snare-drum_1.wav", null).Label);
        Assert.Equal("hand clap", table.Label("fluid-soundfont-gm", "FluidR3_GM/drums/039-hand-clap/hand-clap_2.wav", null).Label);
    }

    [Fact]
    public void CatalogueInAPackageBuildsLabelledClips()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = new CorpusOptions
        {
            OutputDirectory = temp["out"],
            CacheDirectory = temp["cache"],
            Packages = ["openttd-opensfx"],
            Fetch = false,
            Threads = 1,
        };
        var root = CorpusTestData.FakePackage(options.CacheDirectory, "openttd-opensfx",
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: Various\nLicense: GPL-2+\n\n"
            + "Files: src/wav/*\nCopyright: Various sound authors\nLicense: CC-BY-SA-3.0\n");
        var wavs = temp["wavs"];
        CorpusTestData.WriteWav(Path.Combine(wavs, "jingle.wav"), 0.6, 500);
        CorpusTestData.WriteWav(Path.Combine(wavs, "cow.wav"), 0.7, 200);
        CorpusTestData.WriteWav(Path.Combine(wavs, "click.wav"), 0.05, 900); // the other sounds: too short to be kept
        var dir = Path.Combine(root, "usr", "share", "games", "openttd", "baseset", "opensfx");
        Directory.CreateDirectory(dir);
        var sounds = Enumerable.Range(0, 38).Select(i => i switch
        {
            0 => ("\"Good Year\". By Someone.", File.ReadAllBytes(Path.Combine(wavs, "jingle.wav")), $"src/wav/osfx_{i:00}.wav"),
            37 => ("\"Cow\". Original by Someone.", File.ReadAllBytes(Path.Combine(wavs, "cow.wav")), $"src/wav/osfx_{i:00}.wav"),
            _ => ("\"Click\".", File.ReadAllBytes(Path.Combine(wavs, "click.wav")), $"src/wav/osfx_{i:00}.wav"),
        }).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "opensfx.cat"), Catalogue(sounds));

        var result = new CorpusBuilder(options, LabelTable.Default, TextWriter.Null).Build();

        var cow = Assert.Single(result.Clips, c => c.Id.Contains("osfx_37", StringComparison.Ordinal));
        Assert.Equal("cow mooing", cow.Label);
        Assert.Equal("CC-BY-SA-3.0", cow.Licence);
        Assert.Equal("usr/share/games/openttd/baseset/opensfx/opensfx.cat!/osfx_37-cow.wav", cow.Original);
        Assert.DoesNotContain(result.Clips, c => c.Id.Contains("osfx_00", StringComparison.Ordinal)); // the jingle is excluded
    }

    // A RIFF/WAVE blob of n data bytes (the readers only check the RIFF and WAVE tags).
    private static byte[] Wave(byte fill, int n)
    {
        var bytes = new byte[12 + n];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(4 + n));
        "WAVE"u8.CopyTo(bytes.AsSpan(8));
        bytes.AsSpan(12).Fill(fill);
        return bytes;
    }

    // A new-format catalogue as catcodec writes it: table, then per sound description, wave, zero byte, file name.
    private static byte[] Catalogue(params (string Description, byte[] Wave, string FileName)[] sounds)
    {
        var table = new byte[sounds.Length * 8];
        var body = new MemoryStream();
        for (var i = 0; i < sounds.Length; i++)
        {
            var offset = table.Length + body.Length;
            BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(i * 8), (uint)offset | 0x8000_0000u);
            BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(i * 8 + 4), (uint)sounds[i].Wave.Length);
            WriteString(body, sounds[i].Description);
            body.Write(sounds[i].Wave);
            body.WriteByte(0);
            WriteString(body, sounds[i].FileName);
        }
        return [.. table, .. body.ToArray()];
    }

    private static void WriteString(Stream s, string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text + "\0");
        s.WriteByte((byte)bytes.Length);
        s.Write(bytes);
    }

    // A Qt binary resource: root → "gcompris" → "src" → the files; flags 1 = zlib (qCompress format), 4 = zstd.
    private static byte[] Resource(uint version, params (string Name, byte[] Data, ushort Flags)[] files)
    {
        var names = new MemoryStream();
        int AddName(string name)
        {
            var at = (int)names.Length;
            var chars = Encoding.BigEndianUnicode.GetBytes(name);
            Span<byte> head = stackalloc byte[6];
            BinaryPrimitives.WriteUInt16BigEndian(head, (ushort)name.Length);
            BinaryPrimitives.WriteUInt32BigEndian(head[2..], 0x1234);
            names.Write(head);
            names.Write(chars);
            return at;
        }
        var data = new MemoryStream();
        int AddData(byte[] bytes, ushort flags)
        {
            var at = (int)data.Length;
            var stored = bytes;
            if ((flags & 1) != 0)
            {
                var z = new MemoryStream();
                using (var zlib = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true))
                {
                    zlib.Write(bytes);
                }
                stored = new byte[4 + z.Length];
                BinaryPrimitives.WriteUInt32BigEndian(stored, (uint)bytes.Length);
                z.ToArray().CopyTo(stored, 4);
            }
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)stored.Length);
            data.Write(length);
            data.Write(stored);
            return at;
        }
        var nodeSize = version >= 2 ? 22 : 14;
        var tree = new MemoryStream();
        void Node(int nameOffset, ushort flags, uint a, uint b)
        {
            var node = new byte[nodeSize];
            BinaryPrimitives.WriteUInt32BigEndian(node, (uint)nameOffset);
            BinaryPrimitives.WriteUInt16BigEndian(node.AsSpan(4), flags);
            if ((flags & 2) != 0)
            {
                BinaryPrimitives.WriteUInt32BigEndian(node.AsSpan(6), a);
                BinaryPrimitives.WriteUInt32BigEndian(node.AsSpan(10), b);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(node.AsSpan(10), b); // territory and language 0, then the data offset
            }
            tree.Write(node);
        }
        Node(0, 2, 1, 1);
        Node(AddName("gcompris"), 2, 1, 2);
        Node(AddName("src"), 2, (uint)files.Length, 3);
        foreach (var (name, bytes, flags) in files)
        {
            Node(AddName(name), flags, 0, (uint)AddData(bytes, flags));
        }
        var headerSize = version >= 3 ? 24 : 20;
        var header = new byte[headerSize];
        "qres"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), version);
        var dataAt = headerSize;
        var namesAt = dataAt + (int)data.Length;
        var treeAt = namesAt + (int)names.Length;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)treeAt);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), (uint)dataAt);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(16), (uint)namesAt);
        return [.. header, .. data.ToArray(), .. names.ToArray(), .. tree.ToArray()];
    }
}

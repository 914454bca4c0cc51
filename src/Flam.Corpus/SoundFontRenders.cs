using System.Globalization;

namespace Flam.Synthesis.Corpus;

/// <summary>One note to render from a General MIDI sound font.</summary>
/// <param name="RelativePath">Where the rendered WAV goes below the render folder ("melodic/040-violin/violin_2.wav"); the folder names the sound.</param>
/// <param name="Percussion">True for the drum channel (MIDI channel 10), where <paramref name="Program"/> picks the kit and <paramref name="Note"/> the drum.</param>
/// <param name="Bank">Bank select (controller 0) sent before the program change; 0 is General MIDI, 8 Fluid's variation bank.</param>
/// <param name="Program">Program (instrument or kit) number, 0–127.</param>
/// <param name="Note">MIDI note, 0–127.</param>
/// <param name="Velocity">Note-on velocity, 1–127.</param>
/// <param name="HoldSeconds">How long the key is held before the note-off.</param>
public sealed record SoundFontNote(string RelativePath, bool Percussion, int Bank, int Program, int Note, int Velocity, double HoldSeconds);

/// <summary>
/// Single notes of General MIDI instruments, drums and sound effects rendered from a sound font (Debian's
/// <c>fluid-soundfont-gm</c>, MIT) with the <c>fluidsynth</c> program: one tiny MIDI file per note, rendered dry at
/// 48 kHz. The plan is fixed and capped (see <see cref="Plan"/>): a single synthesiser's samples would otherwise
/// dominate the corpus and teach the timbre of one sound font rather than the instruments.
/// </summary>
public static class SoundFontRenders
{
    /// <summary>Seconds of silence rendered after the note-off, so release and decay are kept.</summary>
    public const double TailSeconds = 1.0;

    /// <summary>Output sample rate of the renders.</summary>
    public const int SampleRate = 48000;

    private const int TicksPerQuarter = 480;
    private const int MicrosecondsPerQuarter = 500_000; // 120 bpm: 960 ticks per second

    // Melodic General MIDI programs kept (folder noun; lowest sensible note): acoustic instruments and the sound-effect
    // programs. Synth leads, pads and synth effects (80–103), synth bass/strings/brass, voice "oohs", orchestra hit,
    // synth drum and reverse cymbal are left out: they are not sounds anyone records in the world.
    private static readonly (int Program, string Noun, int Low)[] Melodic =
    [
        (0, "grand-piano", 48), (1, "piano", 48), (2, "electric-grand-piano", 48), (3, "honky-tonk-piano", 48),
        (4, "electric-piano", 48), (5, "electric-piano", 48), (6, "harpsichord", 48), (7, "clavinet", 48), (8, "celesta", 60),
        (9, "glockenspiel", 72), (10, "music-box", 72), (11, "vibraphone", 60), (12, "marimba", 60), (13, "xylophone", 72),
        (14, "tubular-bells", 60), (15, "dulcimer", 60), (16, "electric-organ", 48), (17, "electric-organ", 48),
        (18, "rock-organ", 48), (19, "church-organ", 36), (20, "harmonium", 48), (21, "accordion", 48), (22, "harmonica", 60),
        (23, "bandoneon", 48), (24, "classical-guitar", 48), (25, "acoustic-guitar", 48), (26, "jazz-guitar", 48),
        (27, "electric-guitar", 48), (28, "muted-electric-guitar", 48), (29, "overdriven-electric-guitar", 48),
        (30, "distorted-electric-guitar", 48), (31, "guitar-harmonics", 60), (32, "double-bass", 36), (33, "bass-guitar", 36),
        (34, "bass-guitar", 36), (35, "fretless-bass-guitar", 36), (36, "slap-bass-guitar", 36), (37, "slap-bass-guitar", 36),
        (40, "violin", 60), (41, "viola", 55), (42, "cello", 43), (43, "double-bass", 36), (44, "tremolo-strings", 48),
        (45, "pizzicato-strings", 48), (46, "harp", 48), (47, "timpani", 41), (48, "string-orchestra", 48),
        (49, "string-orchestra", 48), (52, "choir", 55), (56, "trumpet", 60), (57, "trombone", 48), (58, "tuba", 36),
        (59, "muted-trumpet", 60), (60, "french-horn", 48), (61, "brass-section", 48), (64, "soprano-saxophone", 60),
        (65, "alto-saxophone", 55), (66, "tenor-saxophone", 48), (67, "baritone-saxophone", 43), (68, "oboe", 60),
        (69, "english-horn", 55), (70, "bassoon", 43), (71, "clarinet", 55), (72, "piccolo", 72), (73, "flute", 60),
        (74, "recorder", 67), (75, "pan-flute", 60), (76, "blown-bottle", 60), (77, "shakuhachi", 60), (78, "whistling", 67),
        (79, "ocarina", 67), (104, "sitar", 48), (105, "banjo", 48), (106, "shamisen", 55), (107, "koto", 55),
        (108, "kalimba", 60), (109, "bagpipe", 55), (110, "fiddle", 60), (111, "shehnai", 60), (112, "tinkle-bell", 72),
        (113, "agogo-bells", 60), (114, "steel-drums", 60), (115, "wood-block", 60), (116, "taiko-drum", 41),
        (117, "tom-tom-drum", 41),
    ];

    // Fluid's bank-8 variations that are instruments of their own.
    private static readonly (int Bank, int Program, string Noun, int Low)[] Variations =
    [
        (8, 14, "church-bell", 48), (8, 24, "ukulele", 60), (8, 25, "twelve-string-guitar", 48), (16, 25, "mandolin", 60),
        (8, 115, "castanets", 60), (8, 116, "concert-bass-drum", 41),
    ];

    // The General MIDI sound-effect programs (folder = the label's words; the label table turns them into phrases).
    private static readonly (int Program, string Name)[] Effects =
    [
        (120, "guitar-fret-squeak"), (122, "sea-waves"), (123, "birds-tweeting"), (124, "telephone-ringing"),
        (125, "helicopter"), (126, "applause"), (127, "gunshot"),
    ];

    // General MIDI percussion key map (notes 35–81), as nouns for the drum sound.
    private static readonly string[] DrumNames =
    [
        "bass-drum", "kick-drum", "snare-drum-rim", "snare-drum", "hand-clap", "snare-drum", "floor-tom", "closed-hi-hat",
        "floor-tom", "hi-hat-pedal", "tom-tom", "open-hi-hat", "tom-tom", "tom-tom", "crash-cymbal", "tom-tom",
        "ride-cymbal", "chinese-cymbal", "ride-cymbal-bell", "tambourine", "splash-cymbal", "cowbell", "crash-cymbal",
        "vibraslap", "ride-cymbal", "bongo", "bongo", "conga", "conga", "conga", "timbale", "timbale", "agogo-bell",
        "agogo-bell", "cabasa", "maracas", "short-whistle", "long-whistle", "guiro", "guiro", "claves", "wood-block",
        "wood-block", "cuica", "cuica", "triangle", "triangle",
    ];

    private const int FirstDrumNote = 35;

    // Drum kits rendered (program numbers on the drum channel): Standard, Room, Brush.
    private static readonly int[] DrumKits = [0, 8, 40];

    /// <summary>
    /// Every note rendered: 4 per melodic program or variation (low/mid/high pitch, different velocities), 4 per
    /// sound-effect program (longer), and one per GM drum key and kit (3 kits) — 533 renders, about 7 % of an
    /// 8 000-clip corpus.
    /// </summary>
    public static IReadOnlyList<SoundFontNote> Plan { get; } = BuildPlan();

    private static List<SoundFontNote> BuildPlan()
    {
        var plan = new List<SoundFontNote>();
        void AddMelodic(int bank, int program, string noun, int low)
        {
            var folder = string.Create(CultureInfo.InvariantCulture, $"melodic/{(bank == 0 ? "" : bank + "-")}{program:000}-{noun}");
            (int Note, int Velocity)[] variants = [(low, 100), (low + 7, 80), (low + 12, 110), (low + 19, 65)];
            for (var v = 0; v < variants.Length; v++)
            {
                plan.Add(new SoundFontNote($"{folder}/{noun}_{v + 1}.wav", false, bank, program, Math.Min(variants[v].Note, 108), variants[v].Velocity, 1.2));
            }
        }
        foreach (var (program, noun, low) in Melodic)
        {
            AddMelodic(0, program, noun, low);
        }
        foreach (var (bank, program, noun, low) in Variations)
        {
            AddMelodic(bank, program, noun, low);
        }
        foreach (var (program, name) in Effects)
        {
            (int Note, int Velocity)[] variants = [(60, 100), (55, 85), (64, 115), (67, 70)];
            for (var v = 0; v < variants.Length; v++)
            {
                plan.Add(new SoundFontNote(string.Create(CultureInfo.InvariantCulture, $"effects/{program:000}-{name}/{name}_{v + 1}.wav"),
                    false, 0, program, variants[v].Note, variants[v].Velocity, 3.0));
            }
        }
        for (var i = 0; i < DrumNames.Length; i++)
        {
            var note = FirstDrumNote + i;
            for (var k = 0; k < DrumKits.Length; k++)
            {
                plan.Add(new SoundFontNote(string.Create(CultureInfo.InvariantCulture, $"drums/{note:000}-{DrumNames[i]}/{DrumNames[i]}_{k + 1}.wav"),
                    true, 0, DrumKits[k], note, 110 - 15 * k, 0.5));
            }
        }
        return plan;
    }

    /// <summary>
    /// A format-0 Standard MIDI file that plays <paramref name="note"/> once: bank select and program change, note-on,
    /// note-off after the hold time, then <see cref="TailSeconds"/> of silence before the end of the track.
    /// </summary>
    public static byte[] MidiFile(SoundFontNote note)
    {
        if (note.Program is < 0 or > 127 || note.Note is < 0 or > 127 || note.Velocity is < 1 or > 127 || note.Bank is < 0 or > 127 || !(note.HoldSeconds > 0))
        {
            throw new FlamException($"Bad sound-font note {note}: program, note and bank must be 0-127, velocity 1-127, hold time positive.");
        }
        var channel = note.Percussion ? 9 : 0;
        var ticksPerSecond = TicksPerQuarter * 1_000_000.0 / MicrosecondsPerQuarter;
        var track = new List<byte>();
        track.AddRange([0x00, 0xFF, 0x51, 0x03, MicrosecondsPerQuarter >> 16, (MicrosecondsPerQuarter >> 8) & 0xFF, MicrosecondsPerQuarter & 0xFF]);
        track.AddRange([0x00, (byte)(0xB0 | channel), 0x00, (byte)note.Bank]);
        track.AddRange([0x00, (byte)(0xC0 | channel), (byte)note.Program]);
        track.AddRange([0x00, (byte)(0x90 | channel), (byte)note.Note, (byte)note.Velocity]);
        WriteVariableLength(track, (int)Math.Round(note.HoldSeconds * ticksPerSecond));
        track.AddRange([(byte)(0x80 | channel), (byte)note.Note, 0x40]);
        WriteVariableLength(track, (int)Math.Round(TailSeconds * ticksPerSecond));
        track.AddRange([0xFF, 0x2F, 0x00]);

        var file = new List<byte>();
        file.AddRange("MThd"u8.ToArray());
        WriteBigEndian(file, 6, 4);
        WriteBigEndian(file, 0, 2); // format 0
        WriteBigEndian(file, 1, 2); // one track
        WriteBigEndian(file, TicksPerQuarter, 2);
        file.AddRange("MTrk"u8.ToArray());
        WriteBigEndian(file, track.Count, 4);
        file.AddRange(track);
        return file.ToArray();
    }

    /// <summary>
    /// Renders every note of <see cref="Plan"/> whose path (prefixed with <paramref name="pathPrefix"/>) <paramref name="wanted"/>
    /// accepts into <paramref name="folder"/> with <c>fluidsynth</c>, on <paramref name="threads"/> threads.
    /// </summary>
    /// <exception cref="FlamException">fluidsynth is missing or fails (its message), or renders nothing.</exception>
    public static void Render(string soundFont, string folder, string pathPrefix, Func<string, bool> wanted, int threads, TextWriter log)
    {
        var notes = Plan.Where(n => wanted(pathPrefix + n.RelativePath)).ToList();
        log.WriteLine($"rendering {notes.Count} notes of {soundFont} with fluidsynth");
        Parallel.ForEach(notes, new ParallelOptions { MaxDegreeOfParallelism = threads }, note =>
        {
            var wav = Path.Combine(folder, note.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(wav)!);
            var midi = Path.ChangeExtension(wav, ".mid");
            File.WriteAllBytes(midi, MidiFile(note));
            // -n no MIDI input, -i no shell, -q quiet, -R 0 -C 0 dry (no reverb, no chorus), -g 0.6 gain below clipping.
            ExternalProgram.Run("fluidsynth", ["-n", "-i", "-q", "-R", "0", "-C", "0", "-g", "0.6", "-F", wav, "-r", SampleRate.ToString(CultureInfo.InvariantCulture), soundFont, midi],
                null, "rendering the sound-font notes needs fluidsynth (apt-get install fluidsynth)");
            File.Delete(midi);
            if (!File.Exists(wav))
            {
                throw new FlamException($"fluidsynth rendered nothing for {note.RelativePath} from '{soundFont}'.");
            }
        });
    }

    private static void WriteVariableLength(List<byte> bytes, int value)
    {
        var groups = new Stack<byte>();
        groups.Push((byte)(value & 0x7F));
        for (value >>= 7; value > 0; value >>= 7)
        {
            groups.Push((byte)(0x80 | (value & 0x7F)));
        }
        bytes.AddRange(groups);
    }

    private static void WriteBigEndian(List<byte> bytes, int value, int width)
    {
        for (var shift = 8 * (width - 1); shift >= 0; shift -= 8)
        {
            bytes.Add((byte)((value >> shift) & 0xFF));
        }
    }
}

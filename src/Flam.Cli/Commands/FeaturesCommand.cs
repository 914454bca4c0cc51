using System.CommandLine;
using System.Globalization;
using Flam.Audio;
using Flam.Cli.Plots;
using Flam.IO;
using Flam.Model.Checkpoints;
using Flam.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam features</c>: the FLAM log-mel spectrogram of a whole audio file, as safetensors (and optionally a PNG);
/// given a folder, of every audio file below it, one output each.
/// </summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var audio = new Argument<string>("audio") { Description = "Audio file (WAV, FLAC, MP3, Ogg Vorbis; other formats through ffmpeg), or a folder of them (searched recursively)." };
        var output = new Option<string>("--out", "-o") { Description = "Output .safetensors file: tensor 'logmel', float32 [frames, 64], in dB. For a folder: the output folder, one OUT/<path below the folder>.safetensors per file.", Required = true };
        var sampleRate = new Option<int>("--sample-rate") { Description = "Rate the audio is resampled to before the front end (FLAM models expect 48000).", DefaultValueFactory = _ => AudioFile.FlamSampleRate };
        var png = new Option<string?>("--png") { Description = "Also draw the spectrogram into this PNG file (for a folder: into this folder, one PNG per file)." };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite existing output files." };
        var device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };

        var command = new Command("features", "Compute the FLAM log-mel spectrogram (64 mel bins, 10 ms hop) of a whole audio file.")
        {
            audio, output, sampleRate, png, force, device,
        };
        command.SetAction(parse => Run(
            parse.GetValue(audio)!, parse.GetValue(output)!, parse.GetValue(sampleRate), parse.GetValue(png), parse.GetValue(force),
            parse.GetValue(device)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string audioPath, string outPath, int sampleRate, string? pngPath, bool force, string deviceName, TextWriter stdout, TextWriter stderr)
    {
        var options = OptionsFor(sampleRate);
        if (!Directory.Exists(audioPath))
        {
            return RunFile(audioPath, outPath, options, pngPath, force, deviceName, stdout, stderr);
        }
        var inputs = AudioInputs.Expand([audioPath]);
        if (inputs.SkippedSummary is { } skipped)
        {
            stderr.WriteLine(skipped);
        }
        foreach (var folder in new[] { outPath, pngPath }.OfType<string>().Where(File.Exists))
        {
            throw new FlamException($"'{folder}' is a file; with a folder of audio, --out and --png name folders.");
        }
        string Target(string folder, AudioInput input, string suffix) => Path.Combine(folder, input.RelativeName + suffix);
        // Every existing output is refused before the first file is computed; the output folders may not exist yet.
        var targets = inputs.Files.Select(input => Target(outPath, input, ".safetensors"));
        var pictures = pngPath is null ? [] : inputs.Files.Select(input => Target(pngPath, input, ".png"));
        foreach (var existing in targets.Concat(pictures).Where(path => File.Exists(path) && !force))
        {
            throw new FlamException($"'{existing}' already exists; use --force to overwrite it.");
        }
        foreach (var input in inputs.Files)
        {
            var target = Target(outPath, input, ".safetensors");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
            var picture = pngPath is null ? null : Target(pngPath, input, ".png");
            if (picture is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(picture))!);
            }
            RunFile(input.Path, target, options, picture, force, deviceName, stdout, stderr);
        }
        return 0;
    }

    private static int RunFile(string audioPath, string outPath, LogMelOptions options, string? pngPath, bool force, string deviceName, TextWriter stdout, TextWriter stderr)
    {
        var sampleRate = options.SampleRate;
        // Refuse bad outputs before the (possibly long) decode so that nothing is computed for nothing.
        AtomicFile.CheckWritable(outPath, force);
        if (pngPath is not null)
        {
            if (Path.GetFullPath(pngPath) == Path.GetFullPath(outPath))
            {
                throw new FlamException($"--png '{pngPath}' and --out '{outPath}' are the same file.");
            }
            AtomicFile.CheckWritable(pngPath, force);
        }
        var device = TorchRuntime.Device(deviceName);

        var decode = new AudioDecodeOptions(Warning: message => stderr.WriteLine("warning: " + message));
        // Streamed block by block: a long recording never has to fit in memory, only its log-mel does.
        var blockSamples = options.HopLength * 4096;
        long samples = 0;
        var blocks = AudioFile.Windows(audioPath, blockSamples, blockSamples, sampleRate, decode)
            .Select(window =>
            {
                samples += window.Valid;
                return new ReadOnlyMemory<float>(window.Samples, 0, window.Valid);
            });
        using var frontEnd = new LogMelSpectrogram(options);
        frontEnd.to(device);
        Tensor Compute()
        {
            try
            {
                return frontEnd.Transform(blocks);
            }
            catch (ArgumentException) when (samples == 0)
            {
                throw new FlamException($"'{audioPath}' contains no audio samples.");
            }
        }
        using var logMel = Compute();
        int frames = (int)logMel.shape[0];

        var metadata = new Dictionary<string, string>
        {
            ["source"] = Path.GetFullPath(audioPath),
            ["sample_rate"] = Invariant(options.SampleRate),
            ["hop_length"] = Invariant(options.HopLength),
            ["n_fft"] = Invariant(options.FftSize),
            ["win_length"] = Invariant(options.WindowLength),
            ["mel_bins"] = Invariant(options.MelBins),
            ["fmin"] = Invariant(options.FMin),
            ["fmax"] = Invariant(options.FMax),
            ["samples"] = Invariant(samples),
            ["unit"] = "dB (10 log10 of mel power, floor -100)",
        };
        SafeTensors.Save(outPath, [new("logmel", logMel)], metadata, overwrite: force);
        double seconds = (double)samples / sampleRate;
        stdout.WriteLine($"{outPath}: logmel [{frames}, {options.MelBins}] from {seconds:F2} s of '{audioPath}' at {sampleRate} Hz");

        if (pngPath is not null)
        {
            var values = logMel.data<float>().ToArray();
            SpectrogramPlot.SavePng(pngPath, values, frames, options.MelBins, (double)options.HopLength / options.SampleRate,
                $"{Path.GetFileName(audioPath)} - log-mel spectrogram", overwrite: force);
            stdout.WriteLine($"{pngPath}: spectrogram picture");
        }
        return 0;
    }

    /// <summary>The FLAM front end at another analysis rate; the top filter edge is capped at the Nyquist frequency.</summary>
    private static LogMelOptions OptionsFor(int sampleRate)
    {
        if (sampleRate < 8000 || sampleRate > 384000)
        {
            throw new FlamException($"--sample-rate {sampleRate} is out of range (8000..384000 Hz; FLAM models expect {AudioFile.FlamSampleRate}).");
        }
        return LogMelOptions.Flam with { SampleRate = sampleRate, FMax = Math.Min(LogMelOptions.Flam.FMax, sampleRate / 2.0) };
    }

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}

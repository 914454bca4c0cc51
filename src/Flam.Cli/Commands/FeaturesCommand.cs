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

/// <summary><c>flam features</c>: the FLAM log-mel spectrogram of a whole audio file, as safetensors (and optionally a PNG).</summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var audio = new Argument<string>("audio") { Description = "Audio file (WAV, FLAC, MP3, Ogg Vorbis; other formats through ffmpeg)." };
        var output = new Option<string>("--out", "-o") { Description = "Output .safetensors file: tensor 'logmel', float32 [frames, 64], in dB.", Required = true };
        var sampleRate = new Option<int>("--sample-rate") { Description = "Rate the audio is resampled to before the front end (FLAM models expect 48000).", DefaultValueFactory = _ => AudioFile.FlamSampleRate };
        var png = new Option<string?>("--png") { Description = "Also draw the spectrogram into this PNG file." };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite existing output files." };
        var device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };

        var command = new Command("features", "Compute the FLAM log-mel spectrogram (64 mel bins, 10 ms hop) of a whole audio file.")
        {
            audio, output, sampleRate, png, force, device,
        };
        command.SetAction(parse => Run(
            parse.GetValue(audio)!, parse.GetValue(output)!, parse.GetValue(sampleRate), parse.GetValue(png), parse.GetValue(force),
            parse.GetValue(device)!, parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(string audioPath, string outPath, int sampleRate, string? pngPath, bool force, string deviceName, TextWriter stdout)
    {
        var options = OptionsFor(sampleRate);
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

        var samples = AudioFile.Load(audioPath, sampleRate);
        using var frontEnd = new LogMelSpectrogram(options);
        frontEnd.to(device);
        using var logMel = frontEnd.Transform(samples);
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
            ["samples"] = Invariant(samples.Length),
            ["unit"] = "dB (10 log10 of mel power, floor -100)",
        };
        SafeTensors.Save(outPath, [new("logmel", logMel)], metadata, overwrite: force);
        double seconds = (double)samples.Length / sampleRate;
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

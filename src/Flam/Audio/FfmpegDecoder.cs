using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Flam.Audio;

/// <summary>
/// Decodes any format ffmpeg knows by running <c>ffmpeg -i FILE -f f32le -ac 1 -ar RATE -</c> and reading raw mono
/// float32 from its standard output as it is produced (no temporary files). ffmpeg mixes and resamples itself, so
/// <see cref="AudioInfo.SampleRate"/> is the requested rate.
/// </summary>
internal sealed partial class FfmpegDecoder : AudioDecoder
{
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly StringBuilder _stderr = new();
    private readonly byte[] _bytes = new byte[1 << 16];
    private int _pending; // bytes of an incomplete float carried to the next read
    private bool _finished;

    public FfmpegDecoder(string ffmpeg, string path, string format, int sampleRate)
    {
        Info = new AudioInfo(path, sampleRate, 1, -1, "ffmpeg/" + format);
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-nostdin", "-v", "error", "-i", path, "-vn", "-f", "f32le", "-ac", "1", "-ar", sampleRate.ToString(CultureInfo.InvariantCulture), "-" })
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            _process = Process.Start(start) ?? throw new FlamException($"Cannot decode '{path}': ffmpeg ('{ffmpeg}') did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FlamException($"Cannot decode '{path}' ({format}): ffmpeg ('{ffmpeg}') cannot be run: {e.Message}", e);
        }
        _process.StandardInput.Close();
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        _stdout = _process.StandardOutput.BaseStream;
    }

    public override AudioInfo Info { get; }

    public override int Read(Span<float> destination)
    {
        if (_finished)
        {
            return 0;
        }
        var want = Math.Min(destination.Length * 4, _bytes.Length);
        var got = _pending;
        while (got < 4)
        {
            var n = _stdout.Read(_bytes, got, want - got);
            if (n == 0)
            {
                Finish();
                return 0;
            }
            got += n;
        }
        var samples = got / 4;
        for (var i = 0; i < samples; i++)
        {
            destination[i] = BitConverter.ToSingle(_bytes, 4 * i);
        }
        _pending = got - 4 * samples;
        Array.Copy(_bytes, 4 * samples, _bytes, 0, _pending);
        return samples;
    }

    private void Finish()
    {
        _finished = true;
        _process.WaitForExit();
        if (_process.ExitCode != 0)
        {
            string message;
            lock (_stderr)
            {
                message = _stderr.ToString().Trim();
            }
            throw new FlamException($"ffmpeg could not decode '{Info.Path}' (exit code {_process.ExitCode}): {message}");
        }
    }

    public override void Dispose()
    {
        if (!_process.HasExited)
        {
            // The caller stopped early (or failed); stop the decoder we started.
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    /// <summary>Reads the native rate, channel count, duration and codec from <c>ffmpeg -i FILE</c>'s stream summary.</summary>
    public static AudioInfo Probe(string ffmpeg, string path, string format)
    {
        var start = new ProcessStartInfo(ffmpeg) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-nostdin", "-hide_banner", "-i", path })
        {
            start.ArgumentList.Add(arg);
        }
        string text;
        try
        {
            using var process = Process.Start(start) ?? throw new FlamException($"Cannot probe '{path}': ffmpeg ('{ffmpeg}') did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            text = process.StandardError.ReadToEnd();
            stdout.Wait();
            process.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FlamException($"Cannot probe '{path}' ({format}): ffmpeg ('{ffmpeg}') cannot be run: {e.Message}", e);
        }
        var audio = AudioStreamLine().Match(text);
        if (!audio.Success)
        {
            throw new FlamException($"'{path}' ({format}): ffmpeg finds no audio stream in it.");
        }
        var rate = int.Parse(audio.Groups["rate"].Value, CultureInfo.InvariantCulture);
        var layout = audio.Groups["layout"].Value;
        var channels = layout switch
        {
            "mono" => 1,
            "stereo" => 2,
            "quad" => 4,
            "5.0" => 5,
            "5.1" or "5.1(side)" => 6,
            "7.1" => 8,
            _ when ChannelCount().Match(layout) is { Success: true } m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            _ => 0,
        };
        long frames = -1;
        var duration = DurationLine().Match(text);
        if (duration.Success)
        {
            var seconds = TimeSpan.ParseExact(duration.Groups[1].Value, @"hh\:mm\:ss\.FFFFFF", CultureInfo.InvariantCulture).TotalSeconds;
            frames = (long)Math.Round(seconds * rate);
        }
        return new AudioInfo(path, rate, channels, frames, "ffmpeg/" + audio.Groups["codec"].Value);
    }

    [GeneratedRegex(@"Audio: (?<codec>[^\s,]+)[^,\n]*, (?<rate>\d+) Hz, (?<layout>[^,\n]+)")]
    private static partial Regex AudioStreamLine();

    [GeneratedRegex(@"^(\d+) channels")]
    private static partial Regex ChannelCount();

    [GeneratedRegex(@"Duration: (\d\d:\d\d:\d\d\.\d+)")]
    private static partial Regex DurationLine();
}

using System.Globalization;
using System.Text.Json;
using Flam.IO;
using Flam.Model;
using Flam.Model.Checkpoints;

namespace Flam.Training;

/// <summary>Trainer state stored beside the weights (the random state is derived from seed and step).</summary>
/// <param name="Step">Optimiser steps completed.</param>
/// <param name="Seed">Seed of the run.</param>
/// <param name="Stage">Training stage.</param>
/// <param name="TotalSteps">--steps of the run that wrote it.</param>
/// <param name="BestValidation">Best validation frame AUROC so far, or null.</param>
public sealed record TrainerState(int Step, int Seed, int Stage, int TotalSteps, double? BestValidation);

/// <summary>
/// Checkpoints of a run under <c>DIR/checkpoints/step-NNNNNNNN/</c> (model.safetensors, config.json,
/// optimizer.safetensors, trainer.json). Each is written into a hidden temporary folder, every file fsynced, then
/// the folder is renamed into place: a crash mid-write leaves the previous checkpoints untouched and no
/// half-written one that <see cref="Latest"/> would pick.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>File with the optimiser state.</summary>
    public const string OptimizerFileName = "optimizer.safetensors";

    /// <summary>File with the trainer state.</summary>
    public const string StateFileName = "trainer.json";

    private readonly string _root;
    private readonly int _keep;

    /// <summary>Checkpoints of the run in <paramref name="outputDirectory"/>, keeping the last <paramref name="keep"/>.</summary>
    public CheckpointStore(string outputDirectory, int keep)
    {
        _root = Path.Combine(outputDirectory, "checkpoints");
        _keep = keep;
    }

    /// <summary>Called after each file of a checkpoint is written (tests use it to simulate a crash mid-write).</summary>
    internal Action<string>? AfterFileWritten { get; set; }

    /// <summary>The folder of the checkpoint after <paramref name="step"/> steps.</summary>
    public string PathOf(int step) => Path.Combine(_root, "step-" + step.ToString("D8", CultureInfo.InvariantCulture));

    /// <summary>The complete checkpoint with the most steps, or null.</summary>
    public string? Latest()
    {
        if (!Directory.Exists(_root)) return null;
        return Directory.GetDirectories(_root, "step-*").Where(d => File.Exists(Path.Combine(d, StateFileName))).Order(StringComparer.Ordinal).LastOrDefault();
    }

    /// <summary>
    /// The newest complete checkpoint whose files all read back, or null. Each corrupt newer one is skipped with a
    /// warning naming it on <paramref name="warnings"/>.
    /// </summary>
    public string? LatestValid(TextWriter warnings)
    {
        if (!Directory.Exists(_root)) return null;
        var complete = Directory.GetDirectories(_root, "step-*").Where(d => File.Exists(Path.Combine(d, StateFileName))).Order(StringComparer.Ordinal).Reverse();
        foreach (var folder in complete)
        {
            if (Problem(folder) is not { } problem) return folder;
            warnings.WriteLine($"warning: checkpoint '{folder}' is corrupt ({problem}); trying the one before it.");
        }
        return null;
    }

    /// <summary>What is wrong with a checkpoint folder, or null when its state, config and both tensor files read back.</summary>
    private static string? Problem(string folder)
    {
        try
        {
            _ = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(folder, StateFileName))) ?? throw new JsonException("empty trainer state");
            _ = FlamConfig.FromNameOrFile(Path.Combine(folder, FlamModel.ConfigFileName));
            foreach (var file in new[] { FlamModel.WeightsFileName, OptimizerFileName })
            {
                foreach (var tensor in SafeTensors.Load(Path.Combine(folder, file)).Values) tensor.Dispose();
            }
            return null;
        }
        catch (Exception e) when (e is FlamException or IOException or JsonException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Cleans up after a run killed while writing a checkpoint: removes half-written temporary folders, and puts back a
    /// folder that was moved aside for replacement when its replacement never arrived. Call only while holding the
    /// output folder's <see cref="OutputLock"/>.
    /// </summary>
    public void RemoveTemporaries()
    {
        foreach (var parent in new[] { _root, Path.GetDirectoryName(_root)! }.Where(Directory.Exists))
        {
            foreach (var dir in Directory.GetDirectories(parent, ".*"))
            {
                var name = Path.GetFileName(dir);
                int tmp = name.LastIndexOf(".tmp-", StringComparison.Ordinal), old = name.LastIndexOf(".old-", StringComparison.Ordinal);
                if (tmp > 0)
                {
                    Directory.Delete(dir, recursive: true);
                }
                else if (old > 0)
                {
                    var final = Path.Combine(parent, name[1..old]);
                    if (Directory.Exists(final)) Directory.Delete(dir, recursive: true);
                    else Directory.Move(dir, final);
                }
            }
        }
    }

    /// <summary>Writes a checkpoint and prunes old ones; returns its folder.</summary>
    public string Save(FlamModel model, AdamWOptimizer optimizer, TrainerState state)
    {
        var final = PathOf(state.Step);
        WriteFolder(final, model, optimizer, state);
        foreach (var old in Directory.GetDirectories(_root, "step-*").Order(StringComparer.Ordinal).SkipLast(_keep))
        {
            Directory.Delete(old, recursive: true);
        }
        return final;
    }

    /// <summary>Writes a checkpoint folder at <paramref name="final"/> (replacing one that exists) through a temporary folder and a rename.</summary>
    public void WriteFolder(string final, FlamModel model, AdamWOptimizer optimizer, TrainerState state)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(final))!;
        try
        {
            Directory.CreateDirectory(parent);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlamException($"Cannot create the checkpoint folder '{parent}': {e.Message}", e);
        }
        var tmp = Path.Combine(parent, "." + Path.GetFileName(final) + ".tmp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(tmp);
            model.Save(tmp);
            AfterFileWritten?.Invoke(FlamModel.WeightsFileName);
            SafeTensors.Save(Path.Combine(tmp, OptimizerFileName), optimizer.State());
            AfterFileWritten?.Invoke(OptimizerFileName);
            AtomicFile.WriteAllText(Path.Combine(tmp, StateFileName), JsonSerializer.Serialize(state));
            AfterFileWritten?.Invoke(StateFileName);
            if (Directory.Exists(final))
            {
                var old = Path.Combine(parent, "." + Path.GetFileName(final) + ".old-" + Guid.NewGuid().ToString("N")[..8]);
                Directory.Move(final, old);
                Directory.Move(tmp, final);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(tmp, final);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new FlamException($"Cannot write checkpoint '{final}': {e.Message}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Reads the trainer state and optimiser state of a checkpoint folder into <paramref name="optimizer"/>.</summary>
    public static TrainerState LoadState(string folder, AdamWOptimizer optimizer)
    {
        var statePath = Path.Combine(folder, StateFileName);
        TrainerState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath)) ?? throw new FlamException($"'{statePath}' is empty.");
        }
        catch (JsonException e)
        {
            throw new FlamException($"'{statePath}' is not a trainer state: {e.Message}", e);
        }
        var tensors = SafeTensors.Load(Path.Combine(folder, OptimizerFileName));
        try
        {
            optimizer.LoadState(tensors, state.Step, Path.Combine(folder, OptimizerFileName));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        return state;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

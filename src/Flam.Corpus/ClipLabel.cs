namespace Flam.Synthesis.Corpus;

/// <summary>The text of one corpus clip.</summary>
/// <param name="Label">The clip's class: a short clean English phrase ("cattle mooing"); used for label hold-out.</param>
/// <param name="Captions">At least one caption ("cattle mooing in a field").</param>
/// <param name="Tags">At least one short tag ("cattle", "cow", "animal").</param>
/// <param name="Rule">What produced it: the label-table pattern, or "caption text" / "path words".</param>
public sealed record ClipLabel(string Label, IReadOnlyList<string> Captions, IReadOnlyList<string> Tags, string Rule);

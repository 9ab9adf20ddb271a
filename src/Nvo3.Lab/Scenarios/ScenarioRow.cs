using System.Globalization;
using Nvo3.Lab.Reports;

namespace Nvo3.Lab;

/// <summary>A scenario's row of the demo's table: the same columns in the text table and the HTML report.</summary>
public static class ScenarioRow
{
    /// <summary>The column names.</summary>
    public static IReadOnlyList<string> Headers { get; } =
        ["SCENARIO", "UPDATE", "REDIRECT", "SENT", "LOST", "DUP", "REORD", "IN FLIGHT", "HELD", "PAUSE", "DOWNTIME", "CONVERGED", "RESULT"];

    /// <summary>The cells of <paramref name="r"/>, in column order.</summary>
    public static string[] Cells(ScenarioReport r) =>
    [
        r.Name, r.UpdateMode, r.InflightForwarding ? "on" : "off",
        N(r.Probe.Sent), N(r.Probe.Lost), N(r.Probe.Duplicated), N(r.Probe.Reordered), N(r.ForwardedInFlight), N(r.BufferedAtActivation),
        Ms(r.PauseMs), Ms(r.DowntimeMs), r.ConvergenceMs < 0 ? "no" : Ms(r.ConvergenceMs), Result(r),
    ];

    /// <summary>The RESULT column: passed, lossy (redirect off) or FAILED.</summary>
    public static string Result(ScenarioReport r) =>
        r.Passed ? "passed" : !r.InflightForwarding && r.Probe.Lost > 0 ? "lossy (redirect off)" : "FAILED";

    /// <summary>The row as named figures, for the HTML report.</summary>
    public static IReadOnlyList<MoveFigure> Figures(ScenarioReport r) => [.. Headers.Zip(Cells(r), (h, c) => new MoveFigure(h, c))];

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double v) => v.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}

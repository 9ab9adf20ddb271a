using System.Text;

namespace Nvo3.Cli;

/// <summary>A plain text table with aligned columns, for listing commands.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public int Count => _rows.Count;

    public override string ToString()
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (int i = 0; i < widths.Length && i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        var sb = new StringBuilder();
        Line(sb, headers, widths);
        Line(sb, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in _rows)
        {
            Line(sb, row, widths);
        }
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string[] cells, int[] widths)
    {
        for (int i = 0; i < widths.Length; i++)
        {
            string cell = i < cells.Length ? cells[i] : "";
            sb.Append(i == widths.Length - 1 ? cell : cell.PadRight(widths[i] + 2));
        }
        sb.Append('\n');
    }
}

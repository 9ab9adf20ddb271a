using System.Globalization;

namespace Nvo3.Qemu.Image;

/// <summary>Orders kernel releases by their numbers: 6.1.0-10 before 6.1.0-57, 6.1 before 6.10.</summary>
internal sealed class KernelVersionComparer : IComparer<string>
{
    public static KernelVersionComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        string[] a = (x ?? "").Split('.', '-', '+', '~');
        string[] b = (y ?? "").Split('.', '-', '+', '~');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            bool aNumber = long.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out long an);
            bool bNumber = long.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out long bn);
            int order = aNumber && bNumber ? an.CompareTo(bn) : string.CompareOrdinal(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }
        return a.Length.CompareTo(b.Length);
    }
}

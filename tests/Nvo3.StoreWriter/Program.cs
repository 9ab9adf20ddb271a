using System.Globalization;
using System.Text;
using Nvo3.Nva.Storage;

// Usage: Nvo3.StoreWriter STORE-SPEC [COUNT]
// Commits the keys durability/00000000, durability/00000001, … one transaction each (created
// only if absent), and prints each key's number on its own line once its commit has returned:
// a printed number is an acknowledged commit. Stops after COUNT keys (default 100 000), so it
// ends by itself when nobody kills it.
if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: Nvo3.StoreWriter STORE-SPEC [COUNT]");
    return 64;
}
int count = args.Length == 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
await using var store = await DirectoryStores.OpenAsync(args[0]);
stdout.WriteLine("ready");
for (int i = 0; i < count; i++)
{
    string key = DurabilityKey(i);
    var commit = await store.CommitAsync(new StoreTransaction().IfAbsent(key).Put(key, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture))));
    if (!commit.Succeeded)
    {
        Console.Error.WriteLine($"{key} already exists; give the writer an empty store.");
        return 1;
    }
    stdout.WriteLine(i.ToString(CultureInfo.InvariantCulture));
}
return 0;

static string DurabilityKey(int i) => "durability/" + i.ToString("D8", CultureInfo.InvariantCulture);

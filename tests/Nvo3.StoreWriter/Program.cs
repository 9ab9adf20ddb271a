using System.Globalization;
using System.Text;
using Nvo3.Nva.Storage;

// Usage: Nvo3.StoreWriter STORE-SPEC [COUNT] [WRITERS]
// Commits the keys durability/00000000, durability/00000001, … one transaction each (created
// only if absent), and prints each key's number on its own line once its commit has returned:
// a printed number is an acknowledged commit. Stops after COUNT keys (default 100 000), so it
// ends by itself when nobody kills it. WRITERS tasks (default 1) commit at once, so a store
// that groups commits has several in flight when the writer is killed.
if (args.Length is < 1 or > 3)
{
    Console.Error.WriteLine("usage: Nvo3.StoreWriter STORE-SPEC [COUNT] [WRITERS]");
    return 64;
}
int count = args.Length >= 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
int writers = args.Length == 3 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
await using var store = await DirectoryStores.OpenAsync(args[0]);
stdout.WriteLine("ready");
int next = -1;
var failed = 0;
await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
{
    for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
    {
        string key = DurabilityKey(i);
        var commit = await store.CommitAsync(new StoreTransaction().IfAbsent(key).Put(key, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture))));
        if (!commit.Succeeded)
        {
            Console.Error.WriteLine($"{key} already exists; give the writer an empty store.");
            Interlocked.Exchange(ref failed, 1);
            return;
        }
        lock (stdout)
        {
            stdout.WriteLine(i.ToString(CultureInfo.InvariantCulture));
        }
    }
})));
return failed;

static string DurabilityKey(int i) => "durability/" + i.ToString("D8", CultureInfo.InvariantCulture);

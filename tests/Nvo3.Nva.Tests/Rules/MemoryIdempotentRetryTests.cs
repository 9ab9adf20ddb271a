using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Memory;

namespace Nvo3.Nva.Tests.Rules;

public sealed class MemoryIdempotentRetryTests : IdempotentRetryTests
{
    protected override ValueTask<IDirectoryStore> OpenStoreAsync() => ValueTask.FromResult<IDirectoryStore>(new MemoryStore());
}

using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Memory;

namespace Nvo3.Nva.Tests.Storage;

public sealed class MemoryStoreTests : DirectoryStoreConformanceTests
{
    protected override ValueTask<IDirectoryStore> OpenStoreAsync() => ValueTask.FromResult<IDirectoryStore>(new MemoryStore());
}

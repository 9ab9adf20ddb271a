using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Etcd;
using Nvo3.Testing;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>The same retries against a real etcd.</summary>
public sealed class EtcdIdempotentRetryTests(EtcdProcess etcd) : IdempotentRetryTests, IClassFixture<EtcdProcess>
{
    protected override async ValueTask<IDirectoryStore> OpenStoreAsync()
    {
        etcd.SkipIfMissing();
        return await EtcdStore.ConnectAsync([new Uri(etcd.ClientUrl)], new EtcdStoreOptions { Prefix = $"/nvo3-test/{Guid.NewGuid():N}/" });
    }
}

using P = Nvo3.Protocol.V1;
using static Nvo3.Nva.Grpc.ProtoMapping;

namespace Nvo3.Nva.Grpc;

/// <summary>The Watch stream's messages: built once per change by the hub and sent as they are on every stream that gets it.</summary>
internal static class WatchMessages
{
    /// <summary>The message of <paramref name="change"/>, with liveness and duplicate counts as of <paramref name="now"/>.</summary>
    public static P.WatchResponse ToMessage(DirectoryChange change, DateTimeOffset now, TimeSpan duplicateWindow)
    {
        var r = new P.WatchResponse { Revision = change.Revision };
        switch (change.Kind)
        {
            case ChangeKind.Resync: r.Resync = true; break;
            case ChangeKind.NetworkPut: r.Network = ToProto(change.Network!); break;
            case ChangeKind.NetworkDeleted: r.NetworkDeleted = change.Vni; break;
            case ChangeKind.NvePut: r.Nve = ToProto(change.Nve!, now); break;
            case ChangeKind.NveDeleted: r.NveDeleted = change.Name; break;
            case ChangeKind.BindingPut: r.Binding = ToProto(change.Binding!, now, duplicateWindow); break;
            case ChangeKind.BindingDeleted: r.BindingDeleted = new P.BindingKey { Vni = change.Vni, Mac = change.Mac.ToString() }; break;
            case ChangeKind.RedirectPut: r.Redirect = ToProto(change.Redirect!); break;
            case ChangeKind.RedirectDeleted: r.RedirectDeleted = new P.Redirect { Vni = change.Vni, Mac = change.Mac.ToString(), OldNve = change.Name }; break;
            case ChangeKind.MigrationPut: r.Migration = ToProto(change.Migration!); break;
            case ChangeKind.MigrationDeleted: r.MigrationDeleted = change.Name; break;
            default: break;
        }
        return r;
    }
}

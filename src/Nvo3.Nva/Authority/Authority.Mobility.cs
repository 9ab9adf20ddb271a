using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Nva.View;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>
    /// Activates a binding at an NVE: the switchover of a planned move (the NVE holds an Associated
    /// placement, made by a migration or a standby), or an unplanned move (a gratuitous ARP,
    /// unsolicited NA or RARP seen at an NVE where the binding was not placed).
    /// </summary>
    /// <remarks>
    /// The rules, in order: claimed addresses must be the binding's own and inside the network;
    /// a sticky binding never moves; an unplanned claim must carry a sequence number above the
    /// binding's, or equal to it from an NVE whose underlay address is lower than the holder's
    /// (EVPN's tie rule), and must pass duplicate detection; a planned move always takes the next
    /// number and never counts as a duplicate. The previous NVE keeps an Associated placement in a
    /// planned move and loses it in an unplanned one; in both it gets a redirect to the new NVE,
    /// active until the network's cache lifetime plus <see cref="NvaSettings.RedirectGrace"/>.
    /// Every older redirect of the binding is pointed at the new NVE, so a packet in flight needs
    /// one hop at most once they are updated, and none points back at where the binding now is.
    /// </remarks>
    public Task<Binding> ActivateAsync(ActivateRequest request, CancellationToken cancellationToken = default) =>
        ActivateAsync(request, confirmation: false, cancellationToken);

    /// <summary>
    /// Confirms an activation an NVE made on its own while it could not reach the NVA (the VM
    /// announced itself there, or resumed there at the end of a move): the claim carries the
    /// sequence number the NVE took then, and it is judged by that number even when the NVE held
    /// an Associated placement. Accepted when no newer activation exists (the number is above
    /// the binding's, or equal to it and the tie goes to the claimant); refused as stale otherwise,
    /// and the NVE must then withdraw its activation.
    /// </summary>
    public Task<Binding> ConfirmActivationAsync(ActivateRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Sequence <= 0)
        {
            Refuse(NvaError.InvalidArgument, "A confirmation needs the sequence number the NVE activated with.");
        }
        return ActivateAsync(request, confirmation: true, cancellationToken);
    }

    private Task<Binding> ActivateAsync(ActivateRequest request, bool confirmation, CancellationToken cancellationToken) =>
        TransactAsync($"activate {request.Mac} at {request.Nve}", async source =>
        {
            var entry = await RequireBindingAsync(source, request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
            var binding = entry.Value;
            var claimantEntry = await RequireNveAsync(source, request.Nve, cancellationToken).ConfigureAwait(false);
            var claimant = claimantEntry.Value;
            var network = (await RequireNetworkAsync(source, request.Vni, cancellationToken).ConfigureAwait(false)).Value;
            var now = Now;
            foreach (var ip in request.ClaimedIps ?? [])
            {
                if (!network.Contains(ip))
                {
                    RefuseClaim(request, NvaError.InvalidArgument, $"it claims {ip}, which lies outside VNI {request.Vni}'s subnets");
                }
                if (!binding.Ips.Contains(ip))
                {
                    RefuseClaim(request, NvaError.FailedPrecondition, $"it claims {ip}, which is not MAC {request.Mac}'s (the directory binds it to {string.Join(", ", binding.Ips)})");
                }
            }
            string? holder = binding.ActiveNve;
            if (holder == request.Nve)
            {
                // Already so (a retry of this very claim, say): compare what was read, change nothing.
                return (new StoreTransaction().IfUnchanged(entry), binding);
            }
            var placement = binding.At(request.Nve);
            bool planned = placement is { State: PlacementState.Associated };
            if (binding.Sticky && holder is not null)
            {
                RefuseClaim(request, NvaError.FailedPrecondition, $"'{binding.Name}' is sticky and stays at {holder}");
            }
            var txn = new StoreTransaction().IfUnchanged(entry).IfUnchanged(claimantEntry);

            long sequence = binding.Sequence + 1;
            if ((!planned || confirmation) && request.Sequence != 0)
            {
                if (request.Sequence < binding.Sequence)
                {
                    RefuseClaim(request, NvaError.FailedPrecondition,
                        $"its sequence {request.Sequence} is stale: the binding is at {binding.Sequence} ({holder ?? "no NVE"})");
                }
                if (request.Sequence == binding.Sequence && holder is not null)
                {
                    if (await source.GetAsync<NveRecord>(Keys.Nve(holder), cancellationToken).ConfigureAwait(false) is { } holderEntry)
                    {
                        var holderNve = holderEntry.Value;
                        txn.IfUnchanged(holderEntry);
                        if (CompareUnderlay(claimant.Primary, holderNve.Primary) >= 0)
                        {
                            RefuseClaim(request, NvaError.FailedPrecondition,
                                $"a tie at sequence {request.Sequence} goes to the lower underlay address: {holder} ({holderNve.Primary}) keeps it over {claimant.Primary}");
                        }
                    }
                }
                sequence = request.Sequence;
            }

            var moves = binding.UnplannedMoves.Where(t => t > now - Settings.DuplicateWindow).ToList();
            bool duplicate = binding.Duplicate;
            var frozenUntil = binding.FrozenUntil;
            if (!planned)
            {
                if (frozenUntil > now)
                {
                    RefuseClaim(request, NvaError.FailedPrecondition,
                        $"'{binding.Name}' is frozen as a duplicate ({moves.Count} unplanned moves within {Settings.DuplicateWindow.TotalSeconds:0} s) "
                        + (frozenUntil == DateTimeOffset.MaxValue ? "until cleared (nvo3 vm clear-duplicate)" : $"until {frozenUntil:O}"));
                }
                frozenUntil = null;
                moves.Add(now);
                if (moves.Count >= Settings.DuplicateMoves)
                {
                    duplicate = true;
                    Log.DuplicateDetected(_logger, binding.Vni, binding.Mac, moves.Count, Settings.DuplicateWindow, Settings.DuplicatePolicy);
                    if (Settings.DuplicatePolicy == DuplicatePolicy.Freeze)
                    {
                        frozenUntil = Settings.FreezeTime is { } freeze ? now + freeze : DateTimeOffset.MaxValue;
                    }
                    // The decision needs only the newest N times: a MAC that keeps flapping under
                    // policy warn would otherwise grow its record by one time per move for a whole
                    // window, and every later write of the binding with it.
                    moves.RemoveRange(0, moves.Count - Settings.DuplicateMoves);
                }
            }

            var placements = new List<Placement>();
            foreach (var p in binding.Placements)
            {
                if (p.Nve == request.Nve)
                {
                    placements.Add(p with { State = PlacementState.Activated, Since = now });
                }
                else if (p.State == PlacementState.Activated)
                {
                    // Planned: the source keeps its resources until the migration commits.
                    // Unplanned: the workload is gone from there.
                    if (planned)
                    {
                        placements.Add(p with { State = PlacementState.Associated, Since = now });
                    }
                }
                else
                {
                    placements.Add(p);
                }
            }
            if (placement is null)
            {
                placements.Add(new Placement(request.Nve, PlacementState.Activated, now));
            }

            Migration? migration = null;
            if (binding.MigrationId is { } id
                && await source.GetAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false) is { } migrationEntry
                && migrationEntry.Value is { IsOpen: true } m && m.Destination == request.Nve && m.Phase != MigrationPhase.Activated)
            {
                migration = m with { Phase = MigrationPhase.Activated, Activated = now };
                txn.IfUnchanged(migrationEntry).Put(migrationEntry.Key, RecordJson.Encode(migration));
            }

            var hold = network.CacheLifetime + Settings.RedirectGrace;
            var expires = now + hold;
            var (redirects, _) = await source.ListAsync<Redirect>(Keys.RedirectsOf(binding.Vni, binding.Mac), cancellationToken).ConfigureAwait(false);
            foreach (var e in redirects)
            {
                var r = e.Value;
                txn.IfUnchanged(e);
                if (holder is not null && r.OldNve == holder)
                {
                    // Rewritten below, in place: a delete before the put would leave the old NVE,
                    // between the two watch events, without its redirect while packets still arrive.
                    continue;
                }
                if (r.OldNve == request.Nve)
                {
                    txn.Delete(e.Key); // back where it was: nothing to forward from here
                }
                else
                {
                    txn.Put(e.Key, RecordJson.Encode(r with { NewNve = request.Nve }));
                }
            }
            if (holder is not null)
            {
                var redirect = new Redirect(binding.Vni, binding.Mac, holder, request.Nve, migration?.Id, Active: true, expires) { Hold = hold };
                txn.Put(Keys.Redirect(binding.Vni, binding.Mac, holder), RecordJson.Encode(redirect));
            }

            var updated = binding with
            {
                Placements = placements,
                Sequence = sequence,
                LastTrigger = request.Trigger,
                Updated = now,
                UnplannedMoves = moves,
                Duplicate = duplicate,
                FrozenUntil = frozenUntil,
            };
            Log.Activated(_logger, binding.Vni, binding.Mac, request.Nve, sequence, request.Trigger, confirmation ? "confirmed" : planned ? "planned" : "unplanned");
            return (PutBinding(txn, updated), updated);
        }, cancellationToken);

    /// <summary>Orders underlay endpoints for the tie rule: IPv4 before IPv6, then by address, then by port.</summary>
    internal static int CompareUnderlay(UnderlayEndpoint a, UnderlayEndpoint b)
    {
        int c = a.Address.CompareTo(b.Address);
        return c != 0 ? c : a.Port.CompareTo(b.Port);
    }

    private void RefuseClaim(ActivateRequest request, NvaError error, string reason)
    {
        Log.ClaimRefused(_logger, request.Vni, request.Mac, request.Nve, reason);
        Refuse(error, $"NVE '{request.Nve}' may not activate {request.Mac} in VNI {request.Vni}: {reason}.");
    }
}

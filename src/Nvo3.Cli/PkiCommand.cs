using System.CommandLine;
using System.Text.Json.Nodes;
using Nvo3.Security;

namespace Nvo3.Cli;

/// <summary><c>nvo3 pki init|issue</c>: the overlay's own small certificate authority.</summary>
internal static class PkiCommand
{
    public static Command Create()
    {
        var json = Cli.JsonOption();
        var force = new Option<bool>("--force") { Description = "Replace files that exist (each is replaced whole; nothing else is touched)." };

        var initDir = new Argument<string>("CA_DIR") { Description = "The folder for ca.pem and ca.key (created, owner-only, when missing)." };
        var init = new Command("init", "Create the overlay's CA: an ECDSA P-256 key (CA_DIR/ca.key, mode 0600) and a self-signed CA certificate valid 10 years (CA_DIR/ca.pem).")
        {
            initDir, force, json,
        };
        init.Handle((p, _) =>
        {
            string dir = p.GetValue(initDir)!;
            using var ca = CertificateAuthority.Init(dir, p.GetValue(force));
            var cert = ca.Certificate;
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject
                {
                    ["certificate"] = CertificateAuthority.CertificatePath(dir),
                    ["key"] = CertificateAuthority.KeyPath(dir),
                    ["subject"] = cert.Subject,
                    ["notBefore"] = cert.NotBefore.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["notAfter"] = cert.NotAfter.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                }));
                return Task.FromResult(Cli.Ok);
            }
            Console.WriteLine($"created CA '{cert.Subject}', valid until {cert.NotAfter.ToUniversalTime():u}");
            Console.WriteLine($"  {CertificateAuthority.CertificatePath(dir)}  the CA certificate: every holder trusts it (pki issue copies it as ca.pem)");
            Console.WriteLine($"  {CertificateAuthority.KeyPath(dir)}  the CA key, mode 0600: whoever holds it can issue any identity; keep it off the servers");
            return Task.FromResult(Cli.Ok);
        });

        var issueDir = new Argument<string>("CA_DIR") { Description = "The folder of the CA (from nvo3 pki init)." };
        // Required, but checked in the handler: a missing one is then one line and exit 2, like any bad input.
        var role = new Option<string?>("--role") { Description = "Required: nva (a directory replica), nve (an NVE and its agents) or operator (administers)." };
        var name = new Option<string?>("--name") { Description = "Required: the holder's name, an NVE's or NVA replica's as the directory knows it, or an operator's (1 to 64 letters, digits, '-', '_', '.')." };
        var san = new Option<string[]>("--san") { Description = "A host name or IP address clients reach it by (repeat for more); clients that pin the identity do not need it." };
        var output = new Option<string?>("--out") { Description = "Required: the folder for cert.pem, key.pem (mode 0600) and ca.pem (created, owner-only, when missing)." };
        var days = new Option<int>("--days") { Description = $"How long it is valid, 1 to {IssueRequest.MaxDays} days.", DefaultValueFactory = _ => 365 };
        var issue = new Command("issue", "Issue a certificate for an identity nvo3://ROLE/NAME: ECDSA P-256, for TLS clients and servers, signed by the CA.")
        {
            issueDir, role, name, san, output, days, force, json,
        };
        issue.Handle((p, _) =>
        {
            // Bad input first (exit 2), then the files (exit 1): nothing is read or written for a typo.
            var identity = new PeerIdentity(PeerIdentity.ParseRole(Required(p.GetValue(role), "--role", "nva, nve or operator")),
                Required(p.GetValue(name), "--name", "the NVE's, NVA replica's or operator's name"));
            var request = IssueRequest.For(identity, p.GetValue(san) ?? [], p.GetValue(days));
            string outDir = Required(p.GetValue(output), "--out", "the folder for cert.pem, key.pem and ca.pem");
            using var ca = CertificateAuthority.Open(p.GetValue(issueDir)!);
            var issued = ca.IssueTo(outDir, request, p.GetValue(force));
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject
                {
                    ["identity"] = issued.Identity.ToString(),
                    ["subject"] = issued.Subject,
                    ["sans"] = new JsonArray(issued.SubjectAlternativeNames.Select(s => (JsonNode)s).ToArray()),
                    ["serial"] = issued.SerialNumber,
                    ["notBefore"] = issued.NotBefore.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["notAfter"] = issued.NotAfter.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["certificate"] = issued.CertificatePath,
                    ["key"] = issued.KeyPath,
                    ["ca"] = issued.AuthorityPath,
                }));
                return Task.FromResult(Cli.Ok);
            }
            Console.WriteLine($"issued {issued.Identity} ({issued.Subject}), valid until {issued.NotAfter:u}");
            Console.WriteLine($"  SANs    {string.Join(", ", [issued.Identity.ToString(), .. issued.SubjectAlternativeNames])}");
            Console.WriteLine($"  serial  {issued.SerialNumber}");
            Console.WriteLine($"  {issued.CertificatePath}  the certificate");
            Console.WriteLine($"  {issued.KeyPath}  its key, mode 0600");
            Console.WriteLine($"  {issued.AuthorityPath}  the CA certificate, its only trust anchor");
            return Task.FromResult(Cli.Ok);
        });
        return new Command("pki", "The overlay's own certificate authority: identities nvo3://ROLE/NAME for mutual TLS (see docs/security.md).") { init, issue };
    }

    private static string Required(string? value, string option, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{option} is required: {what}.") : value;
}

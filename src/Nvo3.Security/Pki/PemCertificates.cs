using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Nvo3.Security;

/// <summary>
/// Decodes the PEM text of our files into certificates and keys, turning whatever the framework
/// throws for malformed input into a <see cref="PkiException"/> that names the file.
/// </summary>
internal static class PemCertificates
{
    /// <summary>The one certificate in <paramref name="pem"/>; a file with none or several is refused.</summary>
    public static X509Certificate2 ReadOne(string pem, string path)
    {
        var found = new List<byte[]>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                var data = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], data, out int written))
                {
                    throw new PkiException($"{path} holds a certificate whose base64 does not decode.");
                }
                found.Add(data[..written]);
            }
            rest = rest[fields.Location.End..];
        }
        if (found.Count != 1)
        {
            throw new PkiException(found.Count == 0
                ? $"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)."
                : $"{path} holds {found.Count} certificates; it should hold one.");
        }
        try
        {
            return X509CertificateLoader.LoadCertificate(found[0]);
        }
        catch (CryptographicException ex)
        {
            throw new PkiException($"{path} holds a certificate that cannot be decoded: {ex.Message}", ex);
        }
    }

    /// <summary>Imports the ECDSA private key in <paramref name="pem"/> (PKCS#8 or SEC1, not encrypted).</summary>
    public static void ImportKey(ECDsa key, string pem, string path)
    {
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new PkiException($"{path} holds no usable ECDSA private key (unencrypted PEM, as nvo3 pki writes): {ex.Message}", ex);
        }
    }

    /// <summary>True when <paramref name="key"/> is the private half of <paramref name="certificate"/>'s public key.</summary>
    public static bool Matches(X509Certificate2 certificate, ECDsa key)
    {
        using var publicKey = certificate.GetECDsaPublicKey();
        return publicKey is not null && publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
    }
}

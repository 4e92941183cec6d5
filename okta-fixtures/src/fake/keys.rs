//! The fake's RSA signing keys: generated once with aws-lc-rs, kept on disk, parsed once.
//!
//! Okta signs ID tokens and custom-server access tokens with one key and org-server access
//! tokens with another (section 6.1), so there are two. Each is a PKCS#8 file in the key folder
//! (mode 0600 in a 0700 folder), written through a temporary file and a rename so a crash or a
//! second process never sees half a key; a lock file serialises processes that start together.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use super::json::Obj;

/// The signer of ID tokens and of custom-server access tokens.
const ID_KEY_FILE: &str = "id-token-key.pk8";
/// The signer of org-server access tokens.
const ORG_ACCESS_KEY_FILE: &str = "org-access-token-key.pk8";
/// Held exclusively while keys are read or created.
const LOCK_FILE: &str = "keys.lock";
/// No real key file is this large; anything bigger is not ours.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// One RSA-2048 key, parsed once, with its JWS header and JWK precomputed.
pub(crate) struct SigningKey {
    pair: KeyPair,
    kid: String,
    n: String,
    e: String,
    /// base64url(`{"kid":"…","alg":"RS256"}`)
    header_b64: String,
    /// The public half, for jsonwebtoken to check tokens presented back to the fake.
    decoding: jsonwebtoken::DecodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// A new RSA-2048 key and its PKCS#8 encoding.
    pub(crate) fn generate() -> io::Result<(Self, Vec<u8>)> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| io::Error::other("rsa key generation failed"))?;
        let der = pair
            .as_der()
            .map_err(|_| io::Error::other("rsa key encoding failed"))?
            .as_ref()
            .to_vec();
        Ok((Self::from_pair(pair), der))
    }

    /// Parses a PKCS#8 RSA private key.
    pub(crate) fn from_pkcs8(der: &[u8]) -> io::Result<Self> {
        let pair = KeyPair::from_pkcs8(der).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, "not a pkcs#8 rsa private key")
        })?;
        Ok(Self::from_pair(pair))
    }

    fn from_pair(pair: KeyPair) -> Self {
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let kid = thumbprint(&n, &e);
        let header = Obj::new().str("kid", &kid).str("alg", "RS256").finish();
        let header_b64 = URL_SAFE_NO_PAD.encode(header);
        let decoding = jsonwebtoken::DecodingKey::from_rsa_der(public.as_ref());
        Self {
            pair,
            kid,
            n,
            e,
            header_b64,
            decoding,
        }
    }

    /// The key id: the RFC 7638 JWK thumbprint.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK, members in the order of Okta's newer JWKS documents.
    pub(crate) fn jwk(&self) -> Obj {
        Obj::new()
            .str("kty", "RSA")
            .str("alg", "RS256")
            .str("kid", &self.kid)
            .str("use", "sig")
            .str("e", &self.e)
            .str("n", &self.n)
    }

    /// base64url of the JWS header `{"kid":…,"alg":"RS256"}`.
    pub(crate) fn header_b64(&self) -> &str {
        &self.header_b64
    }

    /// RS256 signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        // Signing with a valid key into a buffer of the modulus length does not fail; an
        // empty signature would be rejected by every verifier rather than pass.
        if self
            .pair
            .sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .is_err()
        {
            sig.clear();
        }
        sig
    }

    /// The public key, to verify this key's signatures with.
    pub(crate) fn decoding_key(&self) -> &jsonwebtoken::DecodingKey {
        &self.decoding
    }
}

/// RFC 7638 thumbprint of an RSA JWK: base64url(SHA-256(`{"e":…,"kty":"RSA","n":…}`)).
fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// One generation of a fake org's two keys.
#[derive(Clone, Debug)]
pub(crate) struct KeySet {
    /// Signs ID tokens (every server) and custom-server access tokens.
    pub(crate) id: Arc<SigningKey>,
    /// Signs org-server access tokens.
    pub(crate) org_access: Arc<SigningKey>,
}

impl KeySet {
    /// The keys kept in `dir`, created there when missing, unreadable or when `fresh`.
    pub(crate) fn load_or_create(dir: &Path, fresh: bool) -> crate::Result<Self> {
        let fail = |action: &'static str, source: io::Error| crate::Error::FakeKeys {
            dir: dir.to_path_buf(),
            action,
            source: Arc::new(source),
        };
        create_private_dir(dir).map_err(|e| fail("created", e))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(|e| fail("locked", e))?;
        lock.lock().map_err(|e| fail("locked", e))?;
        // RSA key generation dominates a fresh start; make the two keys side by side.
        let (id, org_access) = std::thread::scope(|s| {
            let org = s.spawn(|| load_or_create_one(&dir.join(ORG_ACCESS_KEY_FILE), fresh));
            let id = load_or_create_one(&dir.join(ID_KEY_FILE), fresh);
            let org = org
                .join()
                .unwrap_or_else(|_| Err(fail("generated", io::Error::other("key thread failed"))));
            (id, org)
        });
        drop(lock);
        Ok(Self {
            id: Arc::new(id?),
            org_access: Arc::new(org_access?),
        })
    }

    /// Two new keys, made side by side and kept in memory only.
    pub(crate) fn generate() -> io::Result<Self> {
        let (id, org_access) = std::thread::scope(|s| {
            let org = s.spawn(SigningKey::generate);
            let id = SigningKey::generate();
            let org = org
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("key thread failed")));
            (id, org)
        });
        Ok(Self {
            id: Arc::new(id?.0),
            org_access: Arc::new(org_access?.0),
        })
    }

    /// The key that signs access tokens: the org server's own, or the ID-token key.
    pub(crate) fn access(&self, org_server: bool) -> &Arc<SigningKey> {
        if org_server {
            &self.org_access
        } else {
            &self.id
        }
    }
}

/// The keys a fake serves at one moment: the current set signs; after a rotation the retired
/// set is still published and still verifies, until the next rotation drops it.
#[derive(Debug)]
pub(crate) struct Keys {
    pub(crate) current: KeySet,
    pub(crate) retired: Option<KeySet>,
}

impl Keys {
    /// The keys that may have signed an access token of the org server or a custom one,
    /// current first.
    pub(crate) fn access_verifiers(&self, org_server: bool) -> Vec<&SigningKey> {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .map(|set| set.access(org_server).as_ref())
            .collect()
    }

    /// The keys that may have signed an ID token, current first.
    pub(crate) fn id_verifiers(&self) -> Vec<&SigningKey> {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .map(|set| set.id.as_ref())
            .collect()
    }

    /// The JWKS members of a server: its signing keys, current before retired. The org
    /// server publishes both keys of each set (its access tokens use the second).
    pub(crate) fn published(&self, org_server: bool) -> Vec<&SigningKey> {
        let mut keys = Vec::with_capacity(4);
        for set in std::iter::once(&self.current).chain(&self.retired) {
            keys.push(set.id.as_ref());
            if org_server {
                keys.push(set.org_access.as_ref());
            }
        }
        keys
    }
}

/// The rotating key store of one fake org, plus a throwaway key for deliberately bad
/// signatures. Reading is one lock-free-in-practice `RwLock` read and an `Arc` clone.
pub(crate) struct KeyRing {
    keys: RwLock<Arc<Keys>>,
    throwaway: OnceLock<Option<SigningKey>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = self.get();
        f.debug_struct("KeyRing")
            .field("id", &keys.current.id.kid())
            .field("org_access", &keys.current.org_access.kid())
            .field("retired", &keys.retired.as_ref().map(|r| r.id.kid()))
            .finish()
    }
}

impl KeyRing {
    pub(crate) fn new(current: KeySet) -> Self {
        Self {
            keys: RwLock::new(Arc::new(Keys {
                current,
                retired: None,
            })),
            throwaway: OnceLock::new(),
        }
    }

    /// The keys as they are now.
    pub(crate) fn get(&self) -> Arc<Keys> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Makes `next` the signing set; the current one is retired and the retired one dropped.
    pub(crate) fn rotate(&self, next: KeySet) {
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        let retired = keys.current.clone();
        *keys = Arc::new(Keys {
            current: next,
            retired: Some(retired),
        });
    }

    /// A key that belongs to no one, made on first use: it signs tokens that must fail
    /// verification although they name a real `kid`.
    pub(crate) fn throwaway(&self) -> Option<&SigningKey> {
        self.throwaway
            .get_or_init(|| SigningKey::generate().ok().map(|(k, _)| k))
            .as_ref()
    }
}

fn load_or_create_one(path: &Path, fresh: bool) -> crate::Result<SigningKey> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    if !fresh {
        match read_key_file(path) {
            Ok(Some(der)) => match SigningKey::from_pkcs8(&der) {
                Ok(key) => return Ok(key),
                Err(_) => tracing::warn!(
                    file = %path.display(),
                    "fake okta signing key is corrupt; generating a new one"
                ),
            },
            Ok(None) => {}
            Err(source) => {
                return Err(crate::Error::FakeKeys {
                    dir,
                    action: "read",
                    source: Arc::new(source),
                });
            }
        }
    }
    let (key, der) = SigningKey::generate().map_err(|source| crate::Error::FakeKeys {
        dir: dir.clone(),
        action: "generated",
        source: Arc::new(source),
    })?;
    write_atomically(path, &der).map_err(|source| crate::Error::FakeKeys {
        dir,
        action: "written",
        source: Arc::new(source),
    })?;
    Ok(key)
}

/// The file's bytes, `None` when it does not exist.
fn read_key_file(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() > MAX_KEY_FILE {
        // Not something we wrote: treat as corrupt and replace it.
        return Ok(Some(Vec::new()));
    }
    let mut der = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_KEY_FILE).read_to_end(&mut der)?;
    Ok(Some(der))
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        builder.mode(0o700);
        builder.create(dir)?;
        // Also tightens a folder created earlier with a looser mode; fails (and so refuses to
        // keep keys there) when another user owns it.
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        builder.create(dir)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("key");
    let tmp: PathBuf = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        super::ids::random_base62(8)
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key folder that does not exist yet, inside a temporary one: load_or_create makes it
    /// (and makes it private) itself.
    fn key_dir() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        (tmp, dir)
    }

    #[test]
    fn kid_is_a_43_char_thumbprint() {
        let (key, _) = SigningKey::generate().unwrap();
        assert_eq!(key.kid().len(), 43);
        assert_eq!(key.e, "AQAB");
        // RSA-2048: 256 bytes of modulus, 342 base64url characters.
        assert_eq!(key.n.len(), 342);
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 section 3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn sign_then_verify() {
        let (key, _) = SigningKey::generate().unwrap();
        let sig = key.sign(b"header.payload");
        assert_eq!(sig.len(), 256);
        let public = signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            key.pair.public_key().as_ref(),
        );
        assert!(public.verify(b"header.payload", &sig).is_ok());
        assert!(public.verify(b"header.payloaX", &sig).is_err());
    }

    #[test]
    fn keys_are_kept_and_reused_unless_fresh() {
        let (_tmp, dir) = key_dir();
        let first = KeySet::load_or_create(&dir, false).unwrap();
        assert_ne!(first.id.kid(), first.org_access.kid());
        let second = KeySet::load_or_create(&dir, false).unwrap();
        assert_eq!(first.id.kid(), second.id.kid());
        assert_eq!(first.org_access.kid(), second.org_access.kid());
        let fresh = KeySet::load_or_create(&dir, true).unwrap();
        assert_ne!(first.id.kid(), fresh.id.kid());
        let after = KeySet::load_or_create(&dir, false).unwrap();
        assert_eq!(fresh.id.kid(), after.id.kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join(ID_KEY_FILE)), 0o600);
            assert_eq!(mode(&dir.join(ORG_ACCESS_KEY_FILE)), 0o600);
        }
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn rotation_keeps_one_retired_set_verifying() {
        let (_tmp, dir) = key_dir();
        let first = KeySet::load_or_create(&dir, false).unwrap();
        let ring = KeyRing::new(first.clone());
        let kids =
            |keys: &[&SigningKey]| keys.iter().map(|k| k.kid().to_owned()).collect::<Vec<_>>();
        assert_eq!(kids(&ring.get().published(false)), [first.id.kid()]);
        assert_eq!(
            kids(&ring.get().published(true)),
            [first.id.kid(), first.org_access.kid()]
        );
        let second = KeySet::generate().unwrap();
        ring.rotate(second.clone());
        let keys = ring.get();
        assert_eq!(keys.current.id.kid(), second.id.kid());
        assert_eq!(
            kids(&keys.published(true)),
            [
                second.id.kid(),
                second.org_access.kid(),
                first.id.kid(),
                first.org_access.kid()
            ]
        );
        assert_eq!(
            kids(&keys.id_verifiers()),
            [second.id.kid(), first.id.kid()]
        );
        assert_eq!(
            kids(&keys.access_verifiers(true)),
            [second.org_access.kid(), first.org_access.kid()]
        );
        let third = KeySet::generate().unwrap();
        ring.rotate(third.clone());
        assert_eq!(
            kids(&ring.get().published(false)),
            [third.id.kid(), second.id.kid()]
        );
        // Rotation lives in memory: the folder still holds the first keys.
        let kept = KeySet::load_or_create(&dir, false).unwrap();
        assert_eq!(kept.id.kid(), first.id.kid());
        let throwaway = ring.throwaway().unwrap().kid().to_owned();
        assert_eq!(ring.throwaway().unwrap().kid(), throwaway);
        assert!(![first.id.kid(), second.id.kid(), third.id.kid()].contains(&throwaway.as_str()));
    }

    #[test]
    fn corrupt_key_file_is_replaced() {
        let (_tmp, dir) = key_dir();
        let first = KeySet::load_or_create(&dir, false).unwrap();
        fs::write(dir.join(ID_KEY_FILE), b"not a key").unwrap();
        let second = KeySet::load_or_create(&dir, false).unwrap();
        assert_ne!(first.id.kid(), second.id.kid());
        assert_eq!(first.org_access.kid(), second.org_access.kid());
        let third = KeySet::load_or_create(&dir, false).unwrap();
        assert_eq!(second.id.kid(), third.id.kid());
    }
}

//! `keras::utils::get_file` against a local HTTP server, the dataset loaders on small
//! fixtures in Keras's file formats (checked against what Keras 3 itself returns for them,
//! `fixtures/datasets/expected.json`, written by `fixtures/datasets/make_fixtures.py`),
//! and the dataset utilities. Nothing here reaches the internet.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use keras::datasets::{self, Remote, SequenceOptions};
use keras::trainers::{Dataset, TensorDataset};
use keras::utils::{self, GetFileOptions, HashAlgorithm};
use keras::Tensor;
use serde_json::Value;
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------- helpers

/// What the test server answers for a path.
#[derive(Clone)]
enum Reply {
    Ok(Vec<u8>),
    /// Declares the full length but sends only the first `n` bytes, then closes.
    Truncated(Vec<u8>, usize),
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (404 for unknown paths), counting requests.
struct Server {
    base: String,
    hits: Arc<AtomicUsize>,
}

fn serve(routes: HashMap<String, Reply>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let _ = match routes.get(&path) {
                Some(Reply::Ok(body)) => stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| stream.write_all(body)),
                Some(Reply::Truncated(body, n)) => stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| stream.write_all(&body[..*n])),
                None => stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
                ),
            };
            let _ = stream.flush();
        }
    });
    Server { base, hits }
}

impl Server {
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A fresh empty directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "keras-rs-datasets-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/datasets")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap()
}

fn expected() -> Value {
    serde_json::from_slice(&fixture("expected.json")).unwrap()
}

fn sha256(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn seqs(v: &Value) -> Vec<Vec<i64>> {
    v.as_array().unwrap().iter().map(ints).collect()
}

/// A server holding every fixture file under `/<name>` and a remote using it with an
/// empty cache.
fn fixture_remote() -> (Server, Remote) {
    let mut routes = HashMap::new();
    for name in [
        "mnist.npz",
        "imdb.npz",
        "reuters.npz",
        "boston_housing.npz",
        "california_housing.npz",
        "imdb_word_index.json",
        "cifar-10-python.tar.gz",
        "cifar-100-python.tar.gz",
    ] {
        routes.insert(format!("/{name}"), Reply::Ok(fixture(name)));
    }
    for name in keras::datasets::fashion_mnist::FILES {
        routes.insert(
            format!("/{name}"),
            Reply::Ok(fixture(&format!("fashion-mnist/{name}"))),
        );
    }
    let server = serve(routes);
    let remote = Remote {
        base_url: Some(server.base.clone()),
        cache_dir: Some(temp_dir("cache")),
        skip_hash_check: true,
    };
    (server, remote)
}

// ---------------------------------------------------------------- get_file

#[test]
fn get_file_downloads_caches_and_checks_hashes() {
    let body: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut routes = HashMap::new();
    routes.insert("/data.bin".to_string(), Reply::Ok(body.clone()));
    routes.insert("/cut.bin".to_string(), Reply::Truncated(body.clone(), 5000));
    let server = serve(routes);
    let cache = temp_dir("get-file");
    let opts = GetFileOptions {
        file_hash: Some(sha256(&body)),
        cache_dir: Some(cache.clone()),
        ..Default::default()
    };
    let url = format!("{}/data.bin", server.base);

    // First download, named after the URL, under <cache>/datasets.
    let path = utils::get_file(None, &url, &opts).unwrap();
    assert_eq!(path, cache.join("datasets/data.bin"));
    assert_eq!(std::fs::read(&path).unwrap(), body);
    assert_eq!(server.hits(), 1);
    assert_eq!(files_in(&cache.join("datasets")), vec!["data.bin"]);

    // Cache hit: the server is not contacted.
    assert_eq!(utils::get_file(None, &url, &opts).unwrap(), path);
    assert_eq!(server.hits(), 1);
    // MD5 works too (auto-detected from the 32-digit hash).
    let md5 = utils::hash_file(&path, HashAlgorithm::Md5).unwrap();
    let md5_opts = GetFileOptions {
        file_hash: Some(md5.clone()),
        ..opts.clone()
    };
    utils::get_file(None, &url, &md5_opts).unwrap();
    assert_eq!(server.hits(), 1);
    assert!(utils::validate_file(&path, &md5, HashAlgorithm::Auto).unwrap());
    // force_download downloads again.
    let forced = GetFileOptions {
        force_download: true,
        ..opts.clone()
    };
    utils::get_file(Some("data.bin"), &url, &forced).unwrap();
    assert_eq!(server.hits(), 2);
    // A cached file whose hash no longer matches is downloaded again.
    std::fs::write(&path, b"stale").unwrap();
    utils::get_file(None, &url, &opts).unwrap();
    assert_eq!(server.hits(), 3);
    assert_eq!(std::fs::read(&path).unwrap(), body);

    // A wrong hash is an error and leaves no file behind.
    let bad = GetFileOptions {
        file_hash: Some("0".repeat(64)),
        ..opts.clone()
    };
    let e = utils::get_file(Some("other.bin"), &url, &bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("hash"), "{e}");
    assert_eq!(files_in(&cache.join("datasets")), vec!["data.bin"]);

    // 404.
    let e = utils::get_file(None, &format!("{}/missing.bin", server.base), &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("404"), "{e}");
    // A body shorter than its Content-Length.
    let e = utils::get_file(
        None,
        &format!("{}/cut.bin", server.base),
        &GetFileOptions {
            file_hash: None,
            ..opts.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("URL fetch failure"), "{e}");
    assert_eq!(files_in(&cache.join("datasets")), vec!["data.bin"]);

    // Paths are not file names; an origin without a file name needs one.
    assert!(utils::get_file(Some("a/b.bin"), &url, &opts).is_err());
    assert!(utils::get_file(None, &format!("{}/", server.base), &opts).is_err());
    std::fs::remove_dir_all(&cache).unwrap();
}

fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        if name.contains("..") {
            // tar::Header::set_path refuses `..`: write the raw name.
            let raw = &mut h.as_old_mut().name;
            raw[..name.len()].copy_from_slice(name.as_bytes());
        } else {
            h.set_path(name).unwrap();
        }
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn zip_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn get_file_extracts_archives_and_refuses_traversal() {
    let good_tar = tar_gz(&[("top/a.txt", b"alpha"), ("top/sub/b.txt", b"beta")]);
    let good_zip = zip_bytes(&[("z/a.txt", b"zeta")]);
    let evil_tar = tar_gz(&[("ok.txt", b"fine"), ("../evil.txt", b"gotcha")]);
    let evil_zip = zip_bytes(&[("../evil.txt", b"gotcha")]);
    let mut routes = HashMap::new();
    routes.insert("/good.tar.gz".to_string(), Reply::Ok(good_tar.clone()));
    routes.insert("/good.zip".to_string(), Reply::Ok(good_zip));
    routes.insert("/evil.tar.gz".to_string(), Reply::Ok(evil_tar));
    routes.insert("/evil.zip".to_string(), Reply::Ok(evil_zip));
    routes.insert(
        "/junk.tar.gz".to_string(),
        Reply::Ok(good_tar[..good_tar.len() / 2].to_vec()),
    );
    let server = serve(routes);
    let cache = temp_dir("extract");
    let opts = GetFileOptions {
        cache_dir: Some(cache.clone()),
        extract: true,
        ..Default::default()
    };
    // fname without an extension: extracted to <fname>, archive kept as <fname>_archive.
    let dir =
        utils::get_file(Some("good"), &format!("{}/good.tar.gz", server.base), &opts).unwrap();
    assert_eq!(dir, cache.join("datasets/good"));
    assert_eq!(std::fs::read(dir.join("top/sub/b.txt")).unwrap(), b"beta");
    assert!(cache.join("datasets/good_archive").is_file());
    // Cached: no new request, the extraction is reused.
    utils::get_file(Some("good"), &format!("{}/good.tar.gz", server.base), &opts).unwrap();
    assert_eq!(server.hits(), 1);
    // fname with an extension: extracted to <stem>_extracted.
    let dir = utils::get_file(
        Some("good.zip"),
        &format!("{}/good.zip", server.base),
        &opts,
    )
    .unwrap();
    assert_eq!(dir, cache.join("datasets/good_extracted"));
    assert_eq!(std::fs::read(dir.join("z/a.txt")).unwrap(), b"zeta");

    // Entries leaving the extraction directory are refused; nothing is left extracted.
    for name in ["evil.tar.gz", "evil.zip"] {
        let e = utils::get_file(None, &format!("{}/{name}", server.base), &opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("refusing"), "{e}");
        assert!(!cache.join(format!("datasets/{name}")).exists());
    }
    assert!(!cache.join("evil.txt").exists() && !cache.join("datasets/evil.txt").exists());
    // A truncated archive is an error.
    assert!(utils::get_file(None, &format!("{}/junk.tar.gz", server.base), &opts).is_err());
    assert!(!cache.join("datasets/junk.tar.gz").exists());
    let leftovers: Vec<String> = files_in(&cache.join("datasets"))
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&cache).unwrap();
}

// ---------------------------------------------------------------- datasets

#[test]
fn keras_hashes_are_checked_for_the_loaders() {
    let (server, remote) = fixture_remote();
    let strict = Remote {
        skip_hash_check: false,
        ..remote.clone()
    };
    // The fixture is not Keras's mnist.npz, so its hash does not match.
    let e = datasets::mnist::load_data_from(&strict)
        .unwrap_err()
        .to_string();
    assert!(e.contains("hash"), "{e}");
    assert!(!remote
        .cache_dir
        .as_ref()
        .unwrap()
        .join("datasets/mnist.npz")
        .exists());
    assert_eq!(server.hits(), 1);
}

#[test]
fn mnist_and_fashion_mnist() {
    let exp = expected();
    let (server, remote) = fixture_remote();
    let ((x, y), (xt, yt)) = datasets::mnist::load_data_from(&remote).unwrap();
    assert_eq!((x.dims(), xt.dims()), (&[5, 28, 28][..], &[3, 28, 28][..]));
    assert_eq!(x.dtype(), keras::DType::U8);
    let sum: i64 = x.to_vec::<u8>().unwrap().iter().map(|&v| v as i64).sum();
    assert_eq!(sum, exp["mnist"]["x_train_sum"].as_i64().unwrap());
    let as_i64 = |t: &Tensor| t.to_vec::<i64>().unwrap();
    assert_eq!(as_i64(&y), ints(&exp["mnist"]["y_train"]));
    assert_eq!(as_i64(&yt), ints(&exp["mnist"]["y_test"]));
    // Second call: from the cache.
    let hits = server.hits();
    datasets::mnist::load_data_from(&remote).unwrap();
    assert_eq!(server.hits(), hits);

    let f = &exp["fashion_mnist"];
    let ((x, y), (xt, yt)) = datasets::fashion_mnist::load_data_from(&remote).unwrap();
    assert_eq!(x.dims(), &[4, 28, 28]);
    let sum: i64 = x.to_vec::<u8>().unwrap().iter().map(|&v| v as i64).sum();
    assert_eq!(sum, f["x_train_sum"].as_i64().unwrap());
    let first_row: Vec<i64> = xt.to_vec::<u8>().unwrap()[..28]
        .iter()
        .map(|&v| v as i64)
        .collect();
    assert_eq!(first_row, ints(&f["x_test_first_row"]));
    assert_eq!(
        (as_i64(&y), as_i64(&yt)),
        (ints(&f["y_train"]), ints(&f["y_test"]))
    );
    assert!(remote
        .cache_dir
        .as_ref()
        .unwrap()
        .join("datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
        .is_file());
}

/// The real MNIST files of the project's shared data directory, when they are there.
#[test]
fn real_mnist_from_dir() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/mnist");
    if !dir.exists() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let ((x, y), (xt, yt)) = datasets::mnist::load_data_from_dir(&dir).unwrap();
    assert_eq!((x.dims(), y.dims()), (&[60000, 28, 28][..], &[60000][..]));
    assert_eq!((xt.dims(), yt.dims()), (&[10000, 28, 28][..], &[10000][..]));
    assert_eq!(y.to_vec::<u8>().unwrap()[..5], [5, 0, 4, 1, 9]);
}

fn options_from(kw: &Value) -> (SequenceOptions, f64) {
    let mut o = SequenceOptions::default();
    let kw = kw.as_object().unwrap();
    let get = |k: &str| kw.get(k);
    if let Some(v) = get("num_words") {
        o.num_words = v.as_u64().map(|v| v as usize);
    }
    if let Some(v) = get("skip_top") {
        o.skip_top = v.as_u64().unwrap() as usize;
    }
    if let Some(v) = get("maxlen") {
        o.maxlen = v.as_u64().map(|v| v as usize);
    }
    if let Some(v) = get("seed") {
        o.seed = v.as_u64().unwrap() as u32;
    }
    if let Some(v) = get("start_char") {
        o.start_char = v.as_i64();
    }
    if let Some(v) = get("oov_char") {
        o.oov_char = v.as_i64();
    }
    if let Some(v) = get("index_from") {
        o.index_from = v.as_i64().unwrap();
    }
    let split = get("test_split").and_then(Value::as_f64).unwrap_or(0.2);
    (o, split)
}

#[test]
fn imdb_and_reuters_match_keras() {
    let exp = expected();
    let (_server, remote) = fixture_remote();
    for case in exp["imdb"].as_array().unwrap() {
        let (o, _) = options_from(&case["kwargs"]);
        let ((x, y), (xt, yt)) = datasets::imdb::load_data_from(&remote, &o).unwrap();
        let kw = &case["kwargs"];
        assert_eq!(x, seqs(&case["x_train"]), "{kw}");
        assert_eq!(xt, seqs(&case["x_test"]), "{kw}");
        assert_eq!(y.to_vec::<i64>().unwrap(), ints(&case["y_train"]), "{kw}");
        assert_eq!(yt.to_vec::<i64>().unwrap(), ints(&case["y_test"]), "{kw}");
    }
    for case in exp["reuters"].as_array().unwrap() {
        let (o, split) = options_from(&case["kwargs"]);
        let ((x, y), (xt, yt)) = datasets::reuters::load_data_from(&remote, &o, split).unwrap();
        let kw = &case["kwargs"];
        assert_eq!(x, seqs(&case["x_train"]), "{kw}");
        assert_eq!(xt, seqs(&case["x_test"]), "{kw}");
        assert_eq!(y.to_vec::<i64>().unwrap(), ints(&case["y_train"]), "{kw}");
        assert_eq!(yt.to_vec::<i64>().unwrap(), ints(&case["y_test"]), "{kw}");
    }
    let index = datasets::imdb::get_word_index_from(&remote).unwrap();
    assert_eq!((index["the"], index["film"]), (1, 19));
    assert_eq!(datasets::reuters::get_label_names().len(), 46);
    // Padding the loaded sequences.
    let ((x, _), _) = datasets::imdb::load_data_from(&remote, &SequenceOptions::default()).unwrap();
    let padded = utils::pad_sequences(
        &x,
        &utils::PadOptions {
            maxlen: Some(8),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(padded.dims(), &[x.len(), 8]);
}

#[test]
fn housing_matches_keras() {
    let exp = expected();
    let (_server, remote) = fixture_remote();
    let b = &exp["boston_housing"];
    let ((x, y), (xt, yt)) = datasets::boston_housing::load_data_from(&remote, 0.25, 7).unwrap();
    assert_eq!((x.dims(), xt.dims()), (&[9, 13][..], &[3, 13][..]));
    assert_eq!(y.to_vec::<f64>().unwrap(), floats(&b["y_train"]));
    assert_eq!(yt.to_vec::<f64>().unwrap(), floats(&b["y_test"]));
    assert_eq!(
        xt.to_vec::<f64>().unwrap()[..13],
        floats(&b["x_test_0"])[..]
    );
    assert!(datasets::boston_housing::load_data_from(&remote, 1.0, 7).is_err());

    use datasets::california_housing::{load_data_from, Version};
    for (version, key) in [(Version::Small, "small"), (Version::Large, "large")] {
        let c = &exp["california_housing"][key];
        let ((x, y), (_, yt)) = load_data_from(&remote, version, 0.2, 113).unwrap();
        assert_eq!(x.dtype(), keras::DType::F32);
        assert_eq!(y.to_vec::<f64>().unwrap(), floats(&c["y_train"]), "{key}");
        assert_eq!(yt.to_vec::<f64>().unwrap(), floats(&c["y_test"]), "{key}");
    }
}

#[test]
fn cifar_archives_match_keras() {
    let exp = expected();
    let (_server, remote) = fixture_remote();
    let c = &exp["cifar10"];
    let ((x, y), (xt, yt)) = datasets::cifar10::load_data_from(&remote).unwrap();
    assert_eq!((x.dims(), y.dims()), (&[10, 32, 32, 3][..], &[10, 1][..]));
    assert_eq!(xt.dims(), &[2, 32, 32, 3]);
    let xv = x.to_vec::<u8>().unwrap();
    let px: Vec<i64> = xv[..3].iter().map(|&v| v as i64).collect();
    assert_eq!(px, ints(&c["x_train_0_0_0"]));
    assert_eq!(
        xv.iter().map(|&v| v as i64).sum::<i64>(),
        c["x_train_sum"].as_i64().unwrap()
    );
    assert_eq!(y.to_vec::<i64>().unwrap(), ints(&c["y_train"]));
    assert_eq!(yt.to_vec::<i64>().unwrap(), ints(&c["y_test"]));
    let cache = remote.cache_dir.clone().unwrap();
    assert!(cache
        .join("datasets/cifar-10-batches-py-target/cifar-10-batches-py/test_batch")
        .is_file());
    assert!(cache
        .join("datasets/cifar-10-batches-py-target_archive")
        .is_file());

    use datasets::cifar100::{load_data_from, LabelMode};
    for (mode, key) in [(LabelMode::Fine, "fine"), (LabelMode::Coarse, "coarse")] {
        let e = &exp["cifar100"][key];
        let ((x, y), (xt, yt)) = load_data_from(&remote, mode).unwrap();
        assert_eq!(x.dims(), &[4, 32, 32, 3]);
        assert_eq!(y.to_vec::<i64>().unwrap(), ints(&e["y_train"]), "{key}");
        assert_eq!(yt.to_vec::<i64>().unwrap(), ints(&e["y_test"]), "{key}");
        let s: i64 = xt.to_vec::<u8>().unwrap().iter().map(|&v| v as i64).sum();
        assert_eq!(s, e["x_test_sum"].as_i64().unwrap());
        // x[0, 1, 2, :]
        let px: Vec<i64> = x.to_vec::<u8>().unwrap()[(32 + 2) * 3..(32 + 2) * 3 + 3]
            .iter()
            .map(|&v| v as i64)
            .collect();
        assert_eq!(px, ints(&e["x_train_0_1_2"]));
    }
}

#[test]
fn corrupt_and_malicious_files_are_errors() {
    let dir = temp_dir("corrupt");
    // A truncated npz.
    let npz = fixture("mnist.npz");
    std::fs::write(dir.join("cut.npz"), &npz[..npz.len() / 2]).unwrap();
    assert!(datasets::mnist::load_data_from_path(dir.join("cut.npz")).is_err());
    // An object array whose pickle calls os.system.
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let header = format!("{header:<117}\n");
    npy.extend((header.len() as u16).to_le_bytes());
    npy.extend(header.as_bytes());
    npy.extend(b"cos\nsystem\n(S'echo hi'\ntR.");
    let evil = zip_bytes(&[("x_train.npy", &npy), ("y_train.npy", &npy)]);
    std::fs::write(dir.join("evil.npz"), evil).unwrap();
    let e = datasets::imdb::load_data_from_path(dir.join("evil.npz"), &SequenceOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("os.system"), "{e}");
    // A pickle whose array data is shorter than its shape.
    let mut bad = fixture("imdb.npz");
    let at = bad.len() / 2;
    bad.truncate(at);
    std::fs::write(dir.join("imdb_cut.npz"), bad).unwrap();
    assert!(datasets::imdb::load_data_from_path(
        dir.join("imdb_cut.npz"),
        &SequenceOptions::default()
    )
    .is_err());
    // A missing cifar batch.
    std::fs::create_dir_all(dir.join("cifar")).unwrap();
    assert!(datasets::cifar10::load_data_from_dir(dir.join("cifar")).is_err());
    std::fs::write(dir.join("cifar/train"), b"\x80\x02}q\x00.").unwrap();
    std::fs::write(dir.join("cifar/test"), b"\x80\x02}q\x00.").unwrap();
    assert!(datasets::cifar100::load_data_from_dir(dir.join("cifar"), Default::default()).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------- utilities

#[test]
fn pad_sequences_matches_keras() {
    use utils::{pad_sequences, PadOptions, Side};
    let s = vec![vec![1i64, 2, 3], vec![4, 5], vec![6, 7, 8, 9, 10]];
    let x = pad_sequences(
        &s,
        &PadOptions {
            maxlen: Some(4),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(x.dtype(), keras::DType::I32);
    assert_eq!(
        x.to_vec::<i32>().unwrap(),
        vec![0, 1, 2, 3, 0, 0, 4, 5, 7, 8, 9, 10]
    );
    let x = pad_sequences(
        &s,
        &PadOptions {
            maxlen: Some(4),
            padding: Side::Post,
            truncating: Side::Post,
            value: -1.0,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        x.to_vec::<i32>().unwrap(),
        vec![1, 2, 3, -1, 4, 5, -1, -1, 6, 7, 8, 9]
    );
    let f = vec![vec![1.5f32, 2.0], vec![3.0]];
    let x = pad_sequences(
        &f,
        &PadOptions {
            dtype: keras::DType::F32,
            value: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(x.to_vec::<f32>().unwrap(), vec![1.5, 2.0, 0.5, 3.0]);
    let empty: Vec<Vec<i64>> = vec![];
    assert_eq!(
        pad_sequences(&empty, &PadOptions::default())
            .unwrap()
            .dims(),
        &[0, 0]
    );
}

#[test]
fn timeseries_windows() {
    use utils::{timeseries_dataset_from_array, TimeseriesOptions};
    let data = Tensor::from_vec((0..20).map(|v| v as f32).collect(), [20, 1]).unwrap();
    let targets = Tensor::from_vec((0..20).map(|v| v * 10).collect::<Vec<i64>>(), [20]).unwrap();
    let opts = TimeseriesOptions {
        sequence_stride: 3,
        sampling_rate: 2,
        batch_size: 2,
        start_index: Some(2),
        end_index: Some(18),
        ..TimeseriesOptions::new(4)
    };
    // Windows start at 2, 5, 8, 11 (the last must end before 18): x[s], x[s+2], x[s+4], x[s+6].
    let ds = timeseries_dataset_from_array(&data, Some(&targets), &opts).unwrap();
    assert_eq!((ds.len(), ds.num_batches()), (4, Some(2)));
    let b = ds.get_batch(1).unwrap();
    assert_eq!(b.x[0].dims(), &[2, 4, 1]);
    assert_eq!(
        b.x[0].to_vec::<f32>().unwrap(),
        vec![8., 10., 12., 14., 11., 13., 15., 17.]
    );
    assert_eq!(b.y[0].to_vec::<i64>().unwrap(), vec![80, 110]);
    assert!(ds.get_batch(2).is_err());
    // Shuffled start positions: NumPy RandomState(3) order of the 4 windows.
    let shuffled = timeseries_dataset_from_array(
        &data,
        Some(&targets),
        &TimeseriesOptions {
            shuffle: true,
            seed: Some(3),
            batch_size: 4,
            ..opts.clone()
        },
    )
    .unwrap();
    // idx = np.arange(4); np.random.RandomState(3).shuffle(idx) -> [3, 1, 0, 2]
    let ys = shuffled.get_batch(0).unwrap().y[0].to_vec::<i64>().unwrap();
    assert_eq!(ys, vec![110, 50, 20, 80]);
    assert!(timeseries_dataset_from_array(
        &data,
        None,
        &TimeseriesOptions {
            sampling_rate: 0,
            ..opts
        }
    )
    .is_err());
}

fn write_png(path: &Path, w: u32, h: u32, rgb: [u8; 3]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::RgbImage::from_pixel(w, h, image::Rgb(rgb))
        .save(path)
        .unwrap();
}

#[test]
fn image_dataset_from_directory_reads_classes() {
    use utils::{
        image_dataset_from_directory, ColorMode, ImageDatasetOptions, Interpolation, LabelMode,
        Subset,
    };
    let dir = temp_dir("images");
    for i in 0..3 {
        write_png(&dir.join(format!("cat/c{i}.png")), 5, 3, [200, 10, 10]);
        write_png(&dir.join(format!("dog/d{i}.png")), 4, 4, [10, 10, 200]);
    }
    image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]))
        .save(dir.join("dog/d9.jpg"))
        .unwrap();
    std::fs::write(dir.join("dog/readme.txt"), "not an image").unwrap();
    std::fs::create_dir_all(dir.join(".hidden")).unwrap();

    let opts = ImageDatasetOptions {
        image_size: (4, 4),
        batch_size: 3,
        shuffle: false,
        ..Default::default()
    };
    let ds = image_dataset_from_directory(&dir, &opts).unwrap();
    assert_eq!(ds.class_names(), ["cat", "dog"]);
    assert_eq!((ds.len(), ds.num_batches()), (7, Some(3)));
    let b = ds.get_batch(0).unwrap();
    assert_eq!(b.x[0].dims(), &[3, 4, 4, 3]);
    assert_eq!(b.x[0].dtype(), keras::DType::F32);
    assert_eq!(&b.x[0].to_vec::<f32>().unwrap()[..3], &[200.0, 10.0, 10.0]);
    assert_eq!(b.y[0].to_vec::<i32>().unwrap(), vec![0, 0, 0]);
    assert_eq!(
        ds.get_batch(2).unwrap().y[0].to_vec::<i32>().unwrap(),
        vec![1]
    );

    // Label modes.
    let cat = image_dataset_from_directory(
        &dir,
        &ImageDatasetOptions {
            label_mode: LabelMode::Categorical,
            ..opts.clone()
        },
    )
    .unwrap();
    assert_eq!(
        cat.get_batch(2).unwrap().y[0].to_vec::<f32>().unwrap(),
        vec![0.0, 1.0]
    );
    let bin = image_dataset_from_directory(
        &dir,
        &ImageDatasetOptions {
            label_mode: LabelMode::Binary,
            ..opts.clone()
        },
    )
    .unwrap();
    assert_eq!(bin.get_batch(2).unwrap().y[0].dims(), &[1, 1]);
    let none = image_dataset_from_directory(
        &dir,
        &ImageDatasetOptions {
            label_mode: LabelMode::None,
            color_mode: ColorMode::Grayscale,
            ..opts.clone()
        },
    )
    .unwrap();
    let b = none.get_batch(0).unwrap();
    assert!(b.y.is_empty());
    assert_eq!(b.x[0].dims(), &[3, 4, 4, 1]);
    // class_names picks and orders the classes.
    let only_dog = image_dataset_from_directory(
        &dir,
        &ImageDatasetOptions {
            class_names: Some(vec!["dog".into()]),
            ..opts.clone()
        },
    )
    .unwrap();
    assert_eq!(only_dog.len(), 4);
    assert!(image_dataset_from_directory(
        &dir,
        &ImageDatasetOptions {
            class_names: Some(vec!["bird".into()]),
            ..opts.clone()
        }
    )
    .is_err());

    // Shuffling follows NumPy's RandomState(seed) over the sorted files, and the
    // validation split takes the last files of that order.
    let shuffled = ImageDatasetOptions {
        shuffle: true,
        seed: Some(3),
        validation_split: Some(0.3),
        subset: Some(Subset::Validation),
        ..opts.clone()
    };
    let val = image_dataset_from_directory(&dir, &shuffled).unwrap();
    let train = image_dataset_from_directory(
        &dir,
        &ImageDatasetOptions {
            subset: Some(Subset::Training),
            ..shuffled.clone()
        },
    )
    .unwrap();
    assert_eq!((train.len(), val.len()), (5, 2));
    let all = image_dataset_from_directory(&dir, &opts).unwrap();
    let mut order = all.file_paths().to_vec();
    // idx = np.arange(7); np.random.RandomState(3).shuffle(idx)
    let perm = [4, 6, 5, 3, 1, 0, 2];
    order = perm.iter().map(|&i| order[i].clone()).collect();
    assert_eq!(train.file_paths(), &order[..5]);
    assert_eq!(val.file_paths(), &order[5..]);
    // A split without a seed is refused when shuffling.
    assert!(image_dataset_from_directory(
        &dir,
        &ImageDatasetOptions {
            seed: None,
            ..shuffled
        }
    )
    .is_err());

    // Bilinear resize with half-pixel centres (tf.image.resize): 2×2 grey → 4×4.
    let grey = dir.join("grey");
    std::fs::create_dir_all(grey.join("g")).unwrap();
    image::GrayImage::from_raw(2, 2, vec![0, 100, 100, 200])
        .unwrap()
        .save(grey.join("g/x.png"))
        .unwrap();
    let g = image_dataset_from_directory(
        &grey,
        &ImageDatasetOptions {
            color_mode: ColorMode::Grayscale,
            image_size: (4, 4),
            shuffle: false,
            ..Default::default()
        },
    )
    .unwrap();
    let px = g.get_batch(0).unwrap().x[0].to_vec::<f32>().unwrap();
    let want = [
        0., 25., 75., 100., 25., 50., 100., 125., 75., 100., 150., 175., 100., 125., 175., 200.,
    ];
    assert_eq!(px, want);
    let n = image_dataset_from_directory(
        &grey,
        &ImageDatasetOptions {
            color_mode: ColorMode::Grayscale,
            image_size: (4, 4),
            shuffle: false,
            interpolation: Interpolation::Nearest,
            ..Default::default()
        },
    )
    .unwrap();
    let px = n.get_batch(0).unwrap().x[0].to_vec::<f32>().unwrap();
    assert_eq!(&px[..4], &[0., 0., 100., 100.]);
    // A corrupt image is an error when its batch is read.
    std::fs::write(grey.join("g/y.png"), b"\x89PNG garbage").unwrap();
    let g = image_dataset_from_directory(
        &grey,
        &ImageDatasetOptions {
            shuffle: false,
            image_size: (4, 4),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(g.get_batch(0).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn text_dataset_from_directory_reads_classes() {
    use utils::{text_dataset_from_directory, LabelMode, TextDatasetOptions};
    let dir = temp_dir("texts");
    for (class, texts) in [
        ("neg", ["bad", "awful film"]),
        ("pos", ["good", "great fun é"]),
    ] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for (i, t) in texts.iter().enumerate() {
            std::fs::write(dir.join(format!("{class}/{i}.txt")), t).unwrap();
        }
    }
    let opts = TextDatasetOptions {
        batch_size: 3,
        shuffle: false,
        ..Default::default()
    };
    let ds = text_dataset_from_directory(&dir, &opts).unwrap();
    assert_eq!(ds.class_names(), ["neg", "pos"]);
    assert_eq!((ds.len(), ds.num_batches()), (4, 2));
    let b = ds.get_batch(0).unwrap();
    assert_eq!(b.texts, vec!["bad", "awful film", "good"]);
    assert_eq!(b.labels.unwrap().to_vec::<i32>().unwrap(), vec![0, 0, 1]);
    // max_length cuts bytes at a character boundary ("é" is 2 bytes).
    let cut = text_dataset_from_directory(
        &dir,
        &TextDatasetOptions {
            max_length: Some(11),
            label_mode: LabelMode::Categorical,
            ..opts.clone()
        },
    )
    .unwrap();
    let b = cut.get_batch(1).unwrap();
    assert_eq!(b.texts, vec!["great fun "]);
    assert_eq!(b.labels.unwrap().to_vec::<f32>().unwrap(), vec![0.0, 1.0]);
    // Mapped to tensors, it is a Dataset.
    let lengths = ds.map(|b| {
        let n = b.texts.len();
        let x: Vec<f32> = b.texts.iter().map(|t| t.len() as f32).collect();
        Ok(keras::trainers::Batch {
            x: vec![Tensor::from_vec(x, [n, 1])?],
            y: b.labels.into_iter().collect(),
            sample_weight: vec![],
        })
    });
    assert_eq!(lengths.num_batches(), Some(2));
    assert_eq!(
        lengths.get_batch(0).unwrap().x[0].to_vec::<f32>().unwrap(),
        vec![3., 10., 4.]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn split_dataset_sizes_and_python_shuffle() {
    use utils::{split_dataset, SplitSize};
    let x = Tensor::from_vec((0..10).map(|v| v as f32).collect(), [10, 1]).unwrap();
    let y = Tensor::from_vec((0..10).collect::<Vec<i64>>(), [10]).unwrap();
    let ds = TensorDataset::new(vec![x], vec![y]).unwrap();
    let labels = |d: &TensorDataset| -> Vec<i64> {
        (0..d.num_batches().unwrap())
            .flat_map(|i| d.get_batch(i).unwrap().y[0].to_vec::<i64>().unwrap())
            .collect()
    };
    let (l, r) = split_dataset(&ds, Some(SplitSize::Fraction(0.75)), None, false, None).unwrap();
    // round(7.5) = 8 (half to even).
    assert_eq!((labels(&l), labels(&r)), ((0..8).collect(), vec![8, 9]));
    let (l, r) = split_dataset(&ds, None, Some(SplitSize::Count(3)), false, None).unwrap();
    assert_eq!((l.len(), r.len()), (7, 3));
    let (l, r) = split_dataset(
        &ds,
        Some(SplitSize::Count(2)),
        Some(SplitSize::Fraction(0.5)),
        false,
        None,
    )
    .unwrap();
    assert_eq!((labels(&l), labels(&r)), (vec![0, 1], vec![5, 6, 7, 8, 9]));
    // shuffle=True: random.seed(1234); random.shuffle(samples).
    let (l, r) =
        split_dataset(&ds, Some(SplitSize::Fraction(0.6)), None, true, Some(1234)).unwrap();
    let want = ints(&expected()["python_shuffle_1234_10"]);
    assert_eq!(labels(&l), want[..6]);
    assert_eq!(labels(&r), want[6..]);
    for (a, b) in [
        (None, None),
        (Some(SplitSize::Fraction(1.5)), None),
        (Some(SplitSize::Count(10)), None),
        (
            Some(SplitSize::Fraction(0.7)),
            Some(SplitSize::Fraction(0.7)),
        ),
        (Some(SplitSize::Count(6)), Some(SplitSize::Count(6))),
    ] {
        assert!(
            split_dataset(&ds, a, b, false, None).is_err(),
            "{a:?} {b:?}"
        );
    }
}

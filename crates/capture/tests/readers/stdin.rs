//! `CaptureReader::open("-")` reads standard input. Tested by running this
//! test binary again with a capture on its standard input.

use std::path::Path;
use std::process::{Command, Stdio};

use hirundo_capture::{ByteOrder, CaptureReader, Compression, Format, PcapngWriter};
use hirundo_packet::LinkType;

const CHILD: &str = "HIRUNDO_CAPTURE_STDIN_CHILD";

#[test]
fn dash_means_standard_input() {
    let mut w = PcapngWriter::new(Vec::new(), ByteOrder::Big).unwrap();
    w.add_interface(LinkType::ETHERNET, 0, 9).unwrap();
    for i in 0..1234 {
        w.write(0, i, 64, &[i as u8; 64]).unwrap();
    }
    let mut zst = zstd::encode_all(&w.finish().unwrap()[..], 1).unwrap();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, &zst).unwrap();
    zst.clear();

    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "stdin::child_counts_standard_input",
            "--include-ignored",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .stdin(Stdio::from(file.reopen().unwrap()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("stdin: pcapng zstd 1234 records 78976 bytes"),
        "{stdout}"
    );
}

/// The child half of [`dash_means_standard_input`]; does nothing when run
/// on its own.
#[test]
#[ignore = "run by dash_means_standard_input with a capture on stdin"]
fn child_counts_standard_input() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let mut reader = CaptureReader::open(Path::new("-")).unwrap();
    assert_eq!(
        (reader.format(), reader.compression()),
        (Format::Pcapng, Compression::Zstd)
    );
    let (mut records, mut bytes) = (0, 0);
    while let Some(r) = reader.next_record().unwrap() {
        records += 1;
        bytes += r.data.len();
    }
    println!("stdin: pcapng zstd {records} records {bytes} bytes");
}

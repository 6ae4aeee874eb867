"""The ingest over TLS (`mqtts://` in QM_MQTT_URL, QM_MQTT_CA_FILE): a real Mosquitto with a TLS listener whose
certificate a throw-away CA made here (openssl CLI) signed. The ingest stores a fix through it; a client trusting
another CA is refused the connection."""
import ssl
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from telematics.tracking.ingest import mqtt_configure, parse_mqtt_url
from telematics.tracking.models import Position
from tests.support.mqtt import MosquittoBroker, free_port

from .conftest import DEPOT, IngestProcess, Publisher, fix, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path, name: str) -> Path:
    """A CA certificate and key (EC P-256, valid from now for two days): folder/{name}.pem and .key."""
    ext = folder / f"{name}.ext"
    ext.write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                   "subjectKeyIdentifier=hash\n")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}",
             "-extensions", "v3_ca", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    return folder / f"{name}.pem"


def make_server_cert(folder: Path, ca: str) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost signed by the CA `ca` (see make_ca)."""
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=localhost", cwd=folder)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=folder)
    for path in folder.iterdir():
        path.chmod(0o644)  # Mosquitto reads them as its own user
    return folder / "server.pem", folder / "server.key"


@pytest.fixture(scope="module")
def tls_broker():
    """Mosquitto with a plain listener (the test's publisher) and a TLS one (the ingest); the CA files."""
    broker = MosquittoBroker()
    folder = broker.dir / "tls"
    folder.mkdir()
    folder.chmod(0o755)
    ca = make_ca(folder, "qm-test-ca")
    other_ca = make_ca(folder, "other-ca")
    cert, key = make_server_cert(folder, "qm-test-ca")
    tls_port = free_port()
    broker.extra = f"listener {tls_port} 127.0.0.1\ncertfile {cert}\nkeyfile {key}\n"
    broker.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the TLS listener opens with the plain one; wait for it all the same
        try:
            __import__("socket").create_connection(("127.0.0.1", tls_port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield {"broker": broker, "tls_port": tls_port, "ca": ca, "other_ca": other_ca}
    broker.stop()


def test_mqtts_url_defaults_to_port_8883_with_tls():
    assert parse_mqtt_url("mqtts://u:p@broker.example")["port"] == 8883
    assert parse_mqtt_url("mqtts://broker.example:9883")["tls"] is True
    assert parse_mqtt_url("mqtt://broker.example")["tls"] is False


def _connect(port: int, settings, ca: Path) -> None:
    settings.QM_MQTT_CA_FILE = str(ca)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    mqtt_configure(client, parse_mqtt_url(f"mqtts://127.0.0.1:{port}"))
    try:
        client.connect("127.0.0.1", port)
    finally:
        client.disconnect()


def test_the_broker_certificate_is_verified_against_the_ca_file(tls_broker, settings):
    _connect(tls_broker["tls_port"], settings, tls_broker["ca"])
    with pytest.raises(ssl.SSLCertVerificationError):
        _connect(tls_broker["tls_port"], settings, tls_broker["other_ca"])


def test_the_ingest_stores_fixes_over_tls(tls_broker, city):
    url = f"mqtts://127.0.0.1:{tls_broker['tls_port']}"
    proc = IngestProcess(url, env={"QM_MQTT_CA_FILE": str(tls_broker["ca"])}).start()
    pub = Publisher(tls_broker["broker"].url)
    try:
        now = time.time() - 300
        pub.send("qm/terminals/T0001/position", fix(now, *DEPOT))
        wait_until(lambda: Position.objects.filter(terminal="T0001").exists(), what="the fix stored over TLS")
        assert proc.stop()["stored"] == 1
    finally:
        proc.kill()
        pub.close()


def test_the_ingest_refuses_a_broker_its_ca_did_not_sign(tls_broker, city):
    url = f"mqtts://127.0.0.1:{tls_broker['tls_port']}"
    proc = IngestProcess(url, env={"QM_MQTT_CA_FILE": str(tls_broker["other_ca"])})
    try:
        proc.start(ready_text="certificate verify failed")  # logged, and retried with backoff
        assert not any("subscribed" in line for line in proc.output)
    finally:
        proc.kill()

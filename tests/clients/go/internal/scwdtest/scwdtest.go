// Package scwdtest starts a real `build/scwd serve` for one test package and points the
// Scaleway Go SDK at it through the SCW_* environment only. With
// SCWD_TEST_PG=postgres://scwd@127.0.0.1:PORT (a throwaway cluster, scripts/pg-cluster.sh) the
// server stores into a fresh database of that cluster instead of the SQLite file.
package scwdtest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scaleway/scaleway-sdk-go/scw"
)

var (
	listenRE = regexp.MustCompile(`^scwd: listening on (http://127\.0\.0\.1:\d+)\s*$`)
	exportRE = regexp.MustCompile(`^export (SCW_[A-Z_]+)=(.*)$`)
)

// Env is what the server printed (SCW_API_URL, SCW_ACCESS_KEY, ...).
var Env = map[string]string{}

// Poll is the retry interval given to the SDK waiters; Timeout bounds every wait.
var (
	Poll    = 100 * time.Millisecond
	Timeout = 60 * time.Second
)

func binary() (string, error) {
	if b := os.Getenv("SCWD_BIN"); b != "" {
		return filepath.Abs(b)
	}
	dir, _ := os.Getwd()
	for i := 0; i < 8; i++ {
		if _, err := os.Stat(filepath.Join(dir, "CMakeLists.txt")); err == nil {
			return filepath.Join(dir, "build", "scwd"), nil
		}
		dir = filepath.Dir(dir)
	}
	return "", fmt.Errorf("repository root not found; set SCWD_BIN")
}

// Main starts a fresh scwd (random loopback port, fresh data dir, extra args appended),
// exports what it prints into this process's environment, runs the tests and stops it.
func Main(m *testing.M, args ...string) {
	os.Exit(run(m, args...))
}

// pgStore creates the database of data directory `data` in the cluster at pg and returns its
// URL and a function that drops it.
func pgStore(pg, data string) (string, func(), error) {
	sum := sha256.Sum256([]byte(data))
	db := "scwd_" + hex.EncodeToString(sum[:])[:12]
	out, err := exec.Command("psql", pg+"/postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1",
		"-c", "CREATE DATABASE "+db).CombinedOutput()
	if err != nil && !bytes.Contains(out, []byte("already exists")) {
		return "", nil, fmt.Errorf("CREATE DATABASE %s in %s: %v\n%s", db, pg, err, out)
	}
	drop := func() {
		// FORCE: the server's sessions may not all be closed yet
		_ = exec.Command("psql", pg+"/postgres", "-X", "-q", "-c", "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)").Run()
	}
	return pg + "/" + db, drop, nil
}

func run(m *testing.M, args ...string) int {
	pg := strings.TrimRight(os.Getenv("SCWD_TEST_PG"), "/") // read before SCWD_* is cleared
	// never inherit a developer's real Scaleway settings
	for _, kv := range os.Environ() {
		k := strings.SplitN(kv, "=", 2)[0]
		if strings.HasPrefix(k, "SCW_") || strings.HasPrefix(k, "SCWD_") && k != "SCWD_BIN" || strings.HasPrefix(k, "SCALEWAY_") {
			os.Unsetenv(k)
		}
	}
	// and no config file either
	os.Setenv("SCW_CONFIG_PATH", filepath.Join(os.TempDir(), "scwd-go-no-config.yaml"))
	bin, err := binary()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	data, err := os.MkdirTemp("", "scwd-go-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(data)
	argv := []string{"serve", "--listen", "127.0.0.1:0", "--k8s-listen", "127.0.0.1:0", "--data", data, "--lifecycle-speed", "fast"}
	if pg != "" {
		store, drop, err := pgStore(pg, data)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer drop() // runs after the server has stopped (deferred later, run earlier)
		argv = append(argv, "--store", store)
	}
	argv = append(argv, args...)
	cmd := exec.Command(bin, argv...)
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // nothing outlives the test binary
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start scwd:", err)
		return 2
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if m := exportRE.FindStringSubmatch(line); m != nil {
				Env[m[1]] = strings.Trim(m[2], `"'`)
			}
			if m := listenRE.FindStringSubmatch(line); m != nil && !sent {
				sent = true
				ready <- m[1]
			}
		}
		if !sent {
			close(ready)
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case url, ok := <-ready:
		if !ok {
			fmt.Fprintf(os.Stderr, "scwd exited before listening\n%s\n", stderr.String())
			return 2
		}
		if Env["SCW_API_URL"] != url {
			fmt.Fprintf(os.Stderr, "printed SCW_API_URL %q differs from %q\n", Env["SCW_API_URL"], url)
			return 2
		}
	case <-time.After(20 * time.Second):
		fmt.Fprintf(os.Stderr, "scwd did not listen within 20s\n%s\n", stderr.String())
		return 2
	}
	for _, k := range []string{"SCW_API_URL", "SCW_ACCESS_KEY", "SCW_SECRET_KEY", "SCW_DEFAULT_ORGANIZATION_ID", "SCW_DEFAULT_PROJECT_ID", "SCW_DEFAULT_REGION", "SCW_DEFAULT_ZONE"} {
		if Env[k] == "" {
			fmt.Fprintf(os.Stderr, "scwd did not print %s\n", k)
			return 2
		}
		os.Setenv(k, Env[k])
	}
	code := m.Run()
	if code != 0 && os.Getenv("SCWD_GO_SHOW_LOG") != "" {
		fmt.Fprintln(os.Stderr, stderr.String())
	}
	return code
}

// Client is configured from the environment only.
func Client(t testing.TB) *scw.Client {
	t.Helper()
	c, err := scw.NewClient(scw.WithEnv())
	if err != nil {
		t.Fatalf("scw.NewClient(scw.WithEnv()): %v", err)
	}
	return c
}

// Raw sends one request with the environment's secret key and decodes the JSON answer.
func Raw(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, os.Getenv("SCW_API_URL")+path, rd)
	req.Header.Set("X-Auth-Token", os.Getenv("SCW_SECRET_KEY"))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return res.StatusCode
}

// Advance moves scwd's virtual clock forward (the bootstrap key is the operator's).
func Advance(t testing.TB, seconds int) {
	t.Helper()
	if code := Raw(t, "POST", "/_scwd/clock/advance", map[string]int{"seconds": seconds}, nil); code != 200 {
		t.Fatalf("clock advance: HTTP %d", code)
	}
}

type mustFailure struct {
	err   error
	where string
}

// Must returns v, or aborts the current test when err is set; every test that uses it starts
// with `defer Catch(t)`, which turns the abort into t.Fatal.
func Must[T any](v T, err error) T {
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		panic(mustFailure{err, fmt.Sprintf("%s:%d", filepath.Base(file), line)})
	}
	return v
}

// Catch reports a Must failure of the current test.
func Catch(t testing.TB) {
	if r := recover(); r != nil {
		if f, ok := r.(mustFailure); ok {
			t.Fatalf("%s: unexpected error: %v", f.where, f.err)
		}
		panic(r)
	}
}

// Dur returns a pointer to d (waiter options).
func Dur(d time.Duration) *time.Duration { return &d }

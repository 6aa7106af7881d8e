package kubeconfig

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/scan"
)

// Read caps, documented in the README. clientcmd and client-go read every
// file whole with os.ReadFile: a kubeconfig or tokenFile that is /dev/zero
// grows until the machine runs out of memory, and a FIFO nobody writes to
// blocks past Ctrl-C. kubesurface reads them itself, within these caps and
// its context, and hands client-go only bytes.
const (
	// MaxFileSize caps each kubeconfig file: the largest real ones, with
	// hundreds of contexts and inline certificates, are a few MiB.
	MaxFileSize = 16 << 20
	// MaxReferencedFileSize caps each file a kubeconfig names (tokenFile,
	// certificate-authority, client-certificate, client-key): a CA bundle
	// of every public root is a few hundred KiB.
	MaxReferencedFileSize = 1 << 20
)

// LoadContext is Load reading within ctx: when ctx ends while a kubeconfig,
// or a file one names, is being read, it returns ctx.Err().
func LoadContext(ctx context.Context, o Options) ([]scan.Target, error) {
	cfg, rules, err := loadConfig(ctx, o.Path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	names, err := selectContexts(cfg, o.Contexts)
	if err != nil {
		return nil, err
	}
	files := newFileReader(ctx)
	targets := make([]scan.Target, 0, len(names))
	for _, name := range names {
		one, problems, err := files.inline(cfg, name)
		if err != nil {
			return nil, err
		}
		t := target(one, rules, name)
		if len(problems) > 0 {
			unreadable(&t, name, problems)
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// loadConfig is clientcmd.ClientConfigLoadingRules.Load with every read
// capped and cancellable: the same files in the same precedence
// (--kubeconfig, else each KUBECONFIG entry, else ~/.kube/config), missing
// ones skipped unless named by --kubeconfig, the same merge (the first file
// to define a name wins), LocationOfOrigin on every entry and relative
// paths resolved against the file that holds them. The rules returned are
// clientcmd's, for client configs to persist refreshed auth-provider tokens
// as kubectl does.
//
// Two differences: the legacy ~/.kube/.kubeconfig is read in place of a
// missing ~/.kube/config instead of being copied there (a scan writes
// nothing into the user's home), and no warning is logged when every
// KUBECONFIG file is missing.
func loadConfig(ctx context.Context, explicit string) (*clientcmdapi.Config, *clientcmd.ClientConfigLoadingRules, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = explicit
	files := rules.Precedence
	if explicit != "" {
		if _, err := os.Stat(explicit); os.IsNotExist(err) {
			return nil, rules, err
		}
		files = []string{explicit}
	}
	var errs []error
	var configs []*clientcmdapi.Config
	for _, name := range files {
		if name == "" {
			continue
		}
		c, err := loadFile(ctx, name, rules.MigrationRules[name])
		switch {
		case ctx.Err() != nil:
			return nil, rules, ctx.Err()
		case os.IsNotExist(err):
			continue
		case errors.Is(err, errMigration):
			return nil, rules, err
		case err != nil:
			errs = append(errs, fmt.Errorf("error loading config file \"%s\": %v", name, err))
			continue
		}
		configs = append(configs, c)
	}

	config := firstWins(configs)
	if err := clientcmd.ResolveLocalPaths(config); err != nil {
		errs = append(errs, err)
	}
	return config, rules, utilerrors.NewAggregate(errs)
}

var errMigration = errors.New("cannot migrate")

// loadFile is clientcmd.LoadFromFile with a capped, cancellable read.
// legacy is the file clientcmd's migration would copy to name when name is
// missing; it is read in its place.
func loadFile(ctx context.Context, name, legacy string) (*clientcmdapi.Config, error) {
	raw, err := bounded.ReadFile(ctx, name, MaxFileSize)
	if os.IsNotExist(err) && legacy != "" {
		if fi, serr := os.Stat(legacy); serr == nil {
			if fi.IsDir() {
				return nil, fmt.Errorf("%w %v to %v because it is a directory", errMigration, legacy, name)
			}
			if legacyRaw, lerr := bounded.ReadFile(ctx, legacy, MaxFileSize); lerr == nil || !os.IsNotExist(lerr) {
				raw, err = legacyRaw, lerr
			}
		}
	}
	if err != nil {
		return nil, err
	}
	config, err := clientcmd.Load(raw)
	if err != nil {
		return nil, err
	}
	for _, a := range config.AuthInfos {
		a.LocationOfOrigin = name
	}
	for _, c := range config.Clusters {
		c.LocationOfOrigin = name
	}
	for _, c := range config.Contexts {
		c.LocationOfOrigin = name
	}
	if config.AuthInfos == nil {
		config.AuthInfos = map[string]*clientcmdapi.AuthInfo{}
	}
	if config.Clusters == nil {
		config.Clusters = map[string]*clientcmdapi.Cluster{}
	}
	if config.Contexts == nil {
		config.Contexts = map[string]*clientcmdapi.Context{}
	}
	return config, nil
}

// fileReader reads each file contexts name once: contexts often share a
// user, and a FIFO can be read only once.
type fileReader struct {
	ctx  context.Context
	done map[string]fileRead
}

type fileRead struct {
	data []byte
	err  error
}

func newFileReader(ctx context.Context) *fileReader {
	return &fileReader{ctx: ctx, done: map[string]fileRead{}}
}

// read returns path's contents, or ctx.Err() once ctx has ended.
func (r *fileReader) read(path string) ([]byte, error) {
	if got, ok := r.done[path]; ok {
		return got.data, got.err
	}
	data, err := bounded.ReadFile(r.ctx, path, MaxReferencedFileSize)
	if r.ctx.Err() != nil {
		return nil, r.ctx.Err()
	}
	r.done[path] = fileRead{data, err}
	return data, err
}

// inline returns a config of context name alone, with its cluster and
// user, in which every file they name has been read into the matching
// data field and the file name cleared, so that neither clientcmd's
// validation nor client-go's transport opens a file. problems say which
// files could not be used; the error is ctx's.
//
// Files are read only where clientcmd or client-go would read them: the
// CA always (validation opens it), the client certificate and key when a
// certificate is set, the token file only for an https server. A tokenFile
// next to an inline token wins when it reads non-empty, as client-go's
// transport lets it; clientcmd's "both set" errors for the CA, certificate
// and key are kept.
func (r *fileReader) inline(cfg *clientcmdapi.Config, name string) (*clientcmdapi.Config, []string, error) {
	one := clientcmdapi.NewConfig()
	c := cfg.Contexts[name]
	if c == nil {
		return one, nil, nil
	}
	one.Contexts[name] = c.DeepCopy()
	var problems []string
	var server string
	if cl := cfg.Clusters[c.Cluster]; cl != nil {
		cl = cl.DeepCopy()
		server = cl.Server
		p, err := r.inlineFile(&cl.CertificateAuthority, &cl.CertificateAuthorityData, "certificate-authority", "cluster", c.Cluster)
		if err != nil {
			return nil, nil, err
		}
		problems = append(problems, p...)
		one.Clusters[c.Cluster] = cl
	}
	if a := cfg.AuthInfos[c.AuthInfo]; a != nil {
		a = a.DeepCopy()
		if a.ClientCertificate != "" || len(a.ClientCertificateData) > 0 {
			for _, f := range []struct {
				path *string
				data *[]byte
				key  string
			}{{&a.ClientCertificate, &a.ClientCertificateData, "client-certificate"}, {&a.ClientKey, &a.ClientKeyData, "client-key"}} {
				p, err := r.inlineFile(f.path, f.data, f.key, "user", c.AuthInfo)
				if err != nil {
					return nil, nil, err
				}
				problems = append(problems, p...)
			}
		}
		p, err := r.inlineToken(a, c.AuthInfo, rest.IsConfigTransportTLS(rest.Config{Host: server}))
		if err != nil {
			return nil, nil, err
		}
		problems = append(problems, p...)
		one.AuthInfos[c.AuthInfo] = a
	}
	return one, problems, nil
}

// inlineFile moves the file *path names into *data.
func (r *fileReader) inlineFile(path *string, data *[]byte, key, kind, owner string) ([]string, error) {
	file := *path
	if file == "" {
		return nil, nil
	}
	*path = ""
	if len(*data) > 0 {
		return []string{fmt.Sprintf("%s %q sets both %s and %s-data", kind, owner, key, key)}, nil
	}
	b, err := r.read(file)
	switch {
	case r.ctx.Err() != nil:
		return nil, r.ctx.Err()
	case err != nil:
		return []string{fmt.Sprintf("%s of %s %q: %s", key, kind, owner, readError(file, err))}, nil
	case len(b) == 0:
		return []string{fmt.Sprintf("%s of %s %q: %s is empty", key, kind, owner, file)}, nil
	}
	*data = b
	return nil, nil
}

// inlineToken moves a's tokenFile into its token, trimmed as client-go's
// file token source trims it.
func (r *fileReader) inlineToken(a *clientcmdapi.AuthInfo, owner string, tls bool) ([]string, error) {
	file := a.TokenFile
	a.TokenFile = ""
	if file == "" || !tls {
		// clientcmd reads no user credential for a plain-HTTP server.
		return nil, nil
	}
	b, err := r.read(file)
	token := strings.TrimSpace(string(b))
	switch {
	case r.ctx.Err() != nil:
		return nil, r.ctx.Err()
	case bounded.IsTooLarge(err):
		return []string{fmt.Sprintf("tokenFile of user %q: %v", owner, err)}, nil
	case a.Token != "" && (err != nil || token == ""):
		// client-go keeps the inline token when the file fails it.
		return nil, nil
	case err != nil:
		return []string{fmt.Sprintf("tokenFile of user %q: %s", owner, readError(file, err))}, nil
	case token == "":
		return []string{fmt.Sprintf("tokenFile of user %q: %s is empty", owner, file)}, nil
	}
	a.Token = token
	return nil, nil
}

// readError words a failed read; the os errors already name the file.
func readError(file string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) || bounded.IsTooLarge(err) {
		return err.Error()
	}
	return fmt.Sprintf("%s: %v", file, err)
}

// unreadable makes t a target whose client configuration failed: its
// files could not be read, so it has none, and says why.
func unreadable(t *scan.Target, name string, problems []string) {
	msg := strings.Join(problems, "; ")
	if t.ConfigError == "" {
		t.ConfigError = fmt.Sprintf("context %q: %s", name, msg)
	} else {
		t.ConfigError += "; " + msg
	}
	t.Rest = nil
}

// firstWins merges kubeconfig files with clientcmd's rule (its Load merges
// twice, in both orders, to the same effect): the first file that defines
// a cluster, user, context or extension, or sets a scalar, wins, and maps
// hold the union of every file's names. TestLoadConfigMatchesClientcmd
// checks it against clientcmd's own Load.
func firstWins(configs []*clientcmdapi.Config) *clientcmdapi.Config {
	out := clientcmdapi.NewConfig()
	for _, c := range configs {
		out.Kind = cmp.Or(out.Kind, c.Kind)
		out.APIVersion = cmp.Or(out.APIVersion, c.APIVersion)
		out.CurrentContext = cmp.Or(out.CurrentContext, c.CurrentContext)
		out.Preferences.Colors = out.Preferences.Colors || c.Preferences.Colors
		addNew(&out.Preferences.Extensions, c.Preferences.Extensions)
		addNew(&out.Clusters, c.Clusters)
		addNew(&out.AuthInfos, c.AuthInfos)
		addNew(&out.Contexts, c.Contexts)
		addNew(&out.Extensions, c.Extensions)
	}
	return out
}

// addNew adds src's names that *dst lacks, making *dst only when there is
// something to add (a nil map stays nil, as in clientcmd's merge).
func addNew[V any](dst *map[string]V, src map[string]V) {
	for k, v := range src {
		if *dst == nil {
			*dst = make(map[string]V, len(src))
		}
		if _, ok := (*dst)[k]; !ok {
			(*dst)[k] = v
		}
	}
}

package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"k8s.io/client-go/rest"

	"github.com/kubesurface/kubesurface/internal/bounded"
)

// Bounds of the authenticated probe's node listing. A page of real Node
// objects runs to 10–30 KB a node; a server that ignores the page size,
// pads its objects or hands out continue tokens forever stops at these.
const (
	// NodePageSize is how many nodes one list request asks for.
	NodePageSize = 250
	// NodePageBodyLimit caps one page's response body (decoded bytes).
	NodePageBodyLimit = 16 << 20
	// ClusterVersionBodyLimit caps OpenShift's ClusterVersion (decoded
	// bytes). Its history and conditional updates run to a few hundred
	// KB on long-lived clusters; it is streamed, not held.
	ClusterVersionBodyLimit = 4 << 20
	// MaxNodes is the most nodes kept per context; skew is judged on them.
	MaxNodes = 10000
	// maxNodePages stops a server that keeps handing out continue tokens
	// with short pages.
	maxNodePages = MaxNodes / NodePageSize
	// maxContinueLen bounds a continue token sent back to the server.
	maxContinueLen = 64 << 10
	// Node names are DNS subdomains (253 bytes); kubelet versions are
	// short. Longer ones from a hostile server are cut, so a result never
	// holds megabytes of them.
	maxNodeNameLen = 253
	maxVersionLen  = 128
)

// capBodies caps every response body of the authenticated probe, counted
// after Go's transport has transparently gunzipped it (client-go asks for
// gzip): the gunzip runs only as far as the body is read, so a gzip bomb
// inflates no further than the cap. A request's context can raise the cap
// (node pages, which are streamed rather than held).
type capBodies struct {
	rt    http.RoundTripper
	limit int64
}

type bodyLimitKey struct{}

// withBodyLimit sets the body cap for requests made with ctx.
func withBodyLimit(ctx context.Context, limit int64) context.Context {
	return context.WithValue(ctx, bodyLimitKey{}, limit)
}

type headerSinkKey struct{}

// withHeaderSink makes the response headers of requests made with ctx land
// in *h: client-go's Stream hands back only the body, and /metrics must be
// read in the format the server says it sent.
func withHeaderSink(ctx context.Context, h *http.Header) context.Context {
	return context.WithValue(ctx, headerSinkKey{}, h)
}

func (c capBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	limit := c.limit
	if l, ok := req.Context().Value(bodyLimitKey{}).(int64); ok {
		limit = l
	}
	if h, ok := req.Context().Value(headerSinkKey{}).(*http.Header); ok {
		*h = resp.Header.Clone()
	}
	resp.Body = &cappedBody{rc: resp.Body, left: limit, err: &bounded.TooLargeError{Name: "the response body of " + req.URL.Path, Limit: limit}}
	resp.ContentLength = -1
	return resp, nil
}

// WrappedRoundTripper lets client-go reach the transport underneath, to
// close its idle connections when the probe ends.
func (c capBodies) WrappedRoundTripper() http.RoundTripper { return c.rt }

// cappedBody hands on at most left bytes, then fails with err (never
// io.EOF, so a cut body can never pass for a complete one).
type cappedBody struct {
	rc   io.ReadCloser
	left int64
	err  error
	over bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.over {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n, b.left, b.over = int(b.left), 0, true
		return n, b.err
	}
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// nodeItem is the little of a Node the probe keeps; decoding into it
// rather than into v1.Node keeps a page of padded objects from growing
// into gigabytes of Go structs.
type nodeItem struct {
	Metadata struct {
		Name   string        `json:"name"`
		Labels labelProvider `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		ProviderID providerScheme `json:"providerID"`
	} `json:"spec"`
	Status struct {
		NodeInfo struct {
			KubeletVersion  string `json:"kubeletVersion"`
			OperatingSystem string `json:"operatingSystem"`
		} `json:"nodeInfo"`
	} `json:"status"`
}

// node is what a result keeps of a decoded item.
func (it nodeItem) node() Node {
	return Node{
		Name:           clip(it.Metadata.Name, maxNodeNameLen),
		KubeletVersion: clip(it.Status.NodeInfo.KubeletVersion, maxVersionLen),
		OS:             clip(it.Status.NodeInfo.OperatingSystem, maxNodeOSLen),
		Provider:       nodeProvider(it.Metadata.Labels, it.Spec.ProviderID),
	}
}

// listNodes lists nodes in pages of NodePageSize, streaming each page
// through a decoder that keeps only names, kubelet versions, operating
// systems and the provider their labels and provider IDs name, and stops
// at MaxNodes nodes or maxNodePages pages. It returns what it got and, if
// the list is incomplete or failed, a warning saying so.
func listNodes(ctx context.Context, rc rest.Interface) ([]Node, string) {
	var nodes []Node
	cont := ""
	for page := 0; ; page++ {
		if page == maxNodePages {
			return nodes, fmt.Sprintf("nodes: listing stopped after %s (%s), kubesurface's cap; skew judged on those", Plural(page, "page"), Plural(len(nodes), "node"))
		}
		req := rc.Get().Resource("nodes").Param("limit", strconv.Itoa(NodePageSize)).SetHeader("Accept", "application/json")
		if cont != "" {
			req = req.Param("continue", cont)
		}
		body, err := req.Stream(withBodyLimit(ctx, NodePageBodyLimit))
		if err != nil {
			return nodes, nodesWarning(nodes, err)
		}
		next, err := decodeNodePage(body, func(it nodeItem) { nodes = append(nodes, it.node()) })
		body.Close()
		if err != nil {
			return nodes, nodesWarning(nodes, err)
		}
		switch {
		case next == "":
			return nodes, ""
		case len(nodes) >= MaxNodes:
			return nodes, fmt.Sprintf("nodes: listing stopped at %d nodes, kubesurface's cap; skew judged on those", len(nodes))
		case len(next) > maxContinueLen:
			return nodes, fmt.Sprintf("nodes: listing stopped after %s: the server's continue token is over %s", Plural(len(nodes), "node"), bounded.Size(maxContinueLen))
		}
		cont = next
	}
}

func nodesWarning(nodes []Node, err error) string {
	_, msg := classifyAuthErr(err)
	if len(nodes) == 0 {
		return "nodes: " + msg
	}
	return fmt.Sprintf("nodes: listing stopped after %s: %s; skew judged on those", Plural(len(nodes), "node"), msg)
}

var errPageTooLong = fmt.Errorf("the server sent more than the %d nodes a page asks for", NodePageSize)

// decodeNodePage reads one NodeList page as a stream, handing each item to
// add, and returns the continue token. A page with more items than asked
// for is an error: the server is not paging.
func decodeNodePage(r io.Reader, add func(nodeItem)) (string, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return "", err
	}
	cont := ""
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", unreadable(err)
		}
		switch tok {
		case "items":
			tok, err := dec.Token()
			if err != nil {
				return "", unreadable(err)
			}
			if tok == nil {
				continue // "items": null
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return "", errors.New("unreadable node list: items is not a list")
			}
			for n := 0; dec.More(); n++ {
				if n == NodePageSize {
					return "", errPageTooLong
				}
				var it nodeItem
				if err := dec.Decode(&it); err != nil {
					return "", unreadable(err)
				}
				add(it)
			}
			if _, err := dec.Token(); err != nil {
				return "", unreadable(err)
			}
		case "metadata":
			var m struct {
				Continue string `json:"continue"`
			}
			if err := dec.Decode(&m); err != nil {
				return "", unreadable(err)
			}
			cont = m.Continue
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", unreadable(err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return "", err
	}
	return cont, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return unreadable(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return errors.New("unreadable node list: not a JSON object")
	}
	return nil
}

// unreadable keeps a cap error as it is (it names the cap) and words any
// other decoding failure plainly.
func unreadable(err error) error {
	var tl *bounded.TooLargeError
	if errors.As(err, &tl) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("unreadable node list: %w", err)
}

// clip cuts s to at most n bytes (on a rune boundary), marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// readClusterVersion reads OpenShift's ClusterVersion named version, with
// its own body cap, as a stream. The error is client-go's for an answer
// that is not 2xx (404 on any other distribution, 403 without RBAC).
func readClusterVersion(ctx context.Context, rc rest.Interface) (*OpenShiftVersion, error) {
	body, err := rc.Get().AbsPath(clusterVersionPath).SetHeader("Accept", "application/json").
		Stream(withBodyLimit(ctx, ClusterVersionBodyLimit))
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return parseClusterVersion(body)
}

package assess

import (
	"fmt"
	"math"
	"strings"
)

// cvss3Score computes the CVSS 3.0/3.1 base score of a vector. OSV often
// gives only the vector, and the rating a judgement rests on must come from
// the same number the advisory's authors meant, so it follows the
// specification's formula (FIRST, CVSS v3.1 section 7) exactly, Roundup
// included. Temporal and environmental metrics are ignored: the data has no
// context to weigh them.
func cvss3Score(vector string) (float64, error) {
	parts := strings.Split(vector, "/")
	if parts[0] != "CVSS:3.0" && parts[0] != "CVSS:3.1" {
		return 0, fmt.Errorf("CVSS vector %q: not CVSS 3.0 or 3.1", vector)
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok || k == "" || v == "" {
			return 0, fmt.Errorf("CVSS vector %q: malformed metric %q", vector, p)
		}
		if _, dup := m[k]; dup {
			return 0, fmt.Errorf("CVSS vector %q: metric %s given twice", vector, k)
		}
		m[k] = v
	}
	var err error
	weight := func(metric string, w map[string]float64) float64 {
		x, ok := w[m[metric]]
		if !ok && err == nil {
			err = fmt.Errorf("CVSS vector %q: base metric %s missing or not valid", vector, metric)
		}
		return x
	}
	changed := m["S"] == "C"
	if m["S"] != "U" && !changed {
		return 0, fmt.Errorf("CVSS vector %q: base metric S missing or not valid", vector)
	}
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if changed {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	}
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	exploitability := 8.22 *
		weight("AV", map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}) *
		weight("AC", map[string]float64{"L": 0.77, "H": 0.44}) *
		weight("PR", pr) *
		weight("UI", map[string]float64{"N": 0.85, "R": 0.62})
	iss := 1 - (1-weight("C", cia))*(1-weight("I", cia))*(1-weight("A", cia))
	if err != nil {
		return 0, err
	}
	impact := 6.42 * iss
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	switch {
	case impact <= 0:
		return 0, nil
	case changed:
		return roundUp(math.Min(1.08*(impact+exploitability), 10)), nil
	}
	return roundUp(math.Min(impact+exploitability, 10)), nil
}

// roundUp is the specification's Roundup: the smallest number with one
// decimal not below x, computed on integers so that float noise (4.000001)
// does not push a score up a tenth.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// ratingOfScore is the CVSS qualitative rating, in the words the embedded
// data uses; empty for 0 (None), which is no rating a judgement can use.
func ratingOfScore(s float64) string {
	switch {
	case s >= 9:
		return "Critical"
	case s >= 7:
		return "High"
	case s >= 4:
		return "Medium"
	case s > 0:
		return "Low"
	}
	return ""
}

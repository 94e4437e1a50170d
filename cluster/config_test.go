package cluster

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	if err := (Config{Name: "node-1_a"}).Validate(); err != nil {
		t.Fatalf("a minimal config: %v", err)
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "Config.Name is empty"},
		{Config{Name: "a.b"}, "Config.Name"},
		{Config{Name: "a b"}, "Config.Name"},
		{Config{Name: strings.Repeat("a", 129)}, "limit is 128"},
		{Config{Name: "a", Shards: MaxShards + 1}, "Config.Shards"},
		{Config{Name: "a", Replicas: 2}, "Config.Replicas is 2"},
		{Config{Name: "a", LeaseTTL: 100 * time.Millisecond}, "at least 500ms"},
		{Config{Name: "a", Tick: -1}, "must not be negative"},
		{Config{Name: "a", SnapshotEvery: -1}, "Config.SnapshotEvery"},
		{Config{Name: "a", Prefix: "mf.x"}, "Config.Prefix"},
		{Config{Name: "a", Colocate: [][]string{{"x"}, {}}}, "Config.Colocate[1] is empty"},
		{Config{Name: "a", Colocate: [][]string{{"x", "y"}, {"y"}}}, `"y" in groups 0 and 1`},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
	for _, tc := range []struct {
		cfg  NATSConfig
		want string
	}{
		{NATSConfig{}, "Dir is empty"},
		{NATSConfig{Dir: "x", Listen: "nohostport"}, "want host:port"},
		{NATSConfig{Dir: "x", Peers: []string{"127.0.0.1:1"}}, "ClusterListen is empty"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NATSConfig.Validate(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
}

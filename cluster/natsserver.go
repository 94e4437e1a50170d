package cluster

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// NATSConfig configures the NATS server a node embeds (matchforge serve
// --cluster). The zero value is not valid: Dir is required.
type NATSConfig struct {
	// Name is the server's name, unique in the cluster (JetStream's Raft
	// groups know their peers by it). Default: the client address.
	Name string
	// Listen is the client address, host:port. Default 127.0.0.1:4222;
	// port 0 picks a free one.
	Listen string
	// ClusterListen is the address the other servers connect to (NATS
	// routes), host:port. Empty runs a server of its own, with JetStream
	// unclustered (one replica).
	ClusterListen string
	// Peers are the other servers' ClusterListen addresses. A server may
	// list itself; it is skipped.
	Peers []string
	// ClusterName names the cluster; every server of it must use the same.
	// Default "matchforge".
	ClusterName string
	// Dir is the directory of JetStream's files. Required.
	Dir string
	// ReadyTimeout bounds how long StartNATS waits for the server to take
	// clients. Default 10s.
	ReadyTimeout time.Duration
	// MaxPayload is the largest message, in bytes. Default 8 MiB, so that a
	// batch of large requests fits.
	MaxPayload int32
}

// Validate reports the first field that is not valid.
func (c NATSConfig) Validate() error {
	if c.Dir == "" {
		return errors.New("cluster: NATSConfig.Dir is empty; JetStream needs a directory for its files")
	}
	for _, a := range append([]string{c.Listen, c.ClusterListen}, c.Peers...) {
		if a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("cluster: NATS address %q: %v; want host:port", a, err)
		}
	}
	if len(c.Peers) > 0 && c.ClusterListen == "" {
		return errors.New("cluster: NATSConfig.Peers are set but ClusterListen is empty; a server needs a route address to join peers")
	}
	if c.ReadyTimeout < 0 || c.MaxPayload < 0 {
		return errors.New("cluster: NATSConfig.ReadyTimeout and MaxPayload must not be negative")
	}
	return nil
}

func splitAddr(a, def string) (string, int, error) {
	if a == "" {
		a = def
	}
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: %v", p, err)
	}
	if port == 0 {
		port = natsserver.RANDOM_PORT
	}
	return h, port, nil
}

// StartNATS starts an embedded NATS server with JetStream and waits until it
// takes clients. Stop it with Shutdown and WaitForShutdown; ClientURL gives
// the address to connect to.
func StartNATS(c NATSConfig) (*natsserver.Server, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	host, port, err := splitAddr(c.Listen, "127.0.0.1:4222")
	if err != nil {
		return nil, fmt.Errorf("cluster: NATSConfig.Listen: %v", err)
	}
	opts := &natsserver.Options{
		ServerName: c.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   c.Dir,
		MaxPayload: c.MaxPayload,
		NoSigs:     true,
		NoLog:      true,
	}
	if opts.MaxPayload == 0 {
		opts.MaxPayload = 8 << 20
	}
	if opts.ServerName == "" {
		opts.ServerName = net.JoinHostPort(host, strconv.Itoa(port))
	}
	if c.ClusterListen != "" {
		ch, cp, err := splitAddr(c.ClusterListen, "")
		if err != nil {
			return nil, fmt.Errorf("cluster: NATSConfig.ClusterListen: %v", err)
		}
		opts.Cluster = natsserver.ClusterOpts{Name: c.ClusterName, Host: ch, Port: cp}
		if opts.Cluster.Name == "" {
			opts.Cluster.Name = "matchforge"
		}
		for _, p := range c.Peers {
			if p == c.ClusterListen {
				continue
			}
			opts.Routes = append(opts.Routes, &url.URL{Scheme: "nats", Host: p})
		}
	}
	ns, err := natsserver.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("cluster: starting NATS: %w", err)
	}
	go ns.Start()
	wait := c.ReadyTimeout
	if wait == 0 {
		wait = 10 * time.Second
	}
	if !ns.ReadyForConnections(wait) {
		ns.Shutdown()
		return nil, fmt.Errorf("cluster: the NATS server on %s did not take clients within %v", c.Listen, wait)
	}
	return ns, nil
}

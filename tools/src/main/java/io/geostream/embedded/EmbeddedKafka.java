package io.geostream.embedded;

import kafka.server.BrokerServer;
import kafka.server.ControllerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.Server;
import kafka.server.SharedServer;
import kafka.server.StandardFaultHandlerFactory;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.raft.QuorumConfig;
import org.apache.kafka.server.ServerSocketFactory;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real, single-node Apache Kafka 4.2 cluster in this JVM: one KRaft node that is both broker and
 * controller, listening on 127.0.0.1 only, with plain-text listeners and no authentication.
 *
 * <p>It is assembled from the same server classes that {@code kafka.Kafka} (through
 * {@code KafkaRaftServer}) runs: storage formatted by Kafka's {@link Formatter}, a {@link SharedServer},
 * a {@link ControllerServer} and a {@link BrokerServer}, with Kafka's production fault handlers. Doing
 * the assembly here, rather than through {@code KafkaRaftServer}, lets the node bind sockets that were
 * opened beforehand on the loopback address, so an ephemeral port is known without a race, and lets
 * callers read the broker's bound port. Kafka's own test kit ({@code KafkaClusterTestKit}) was not used:
 * it binds wildcard random ports, cannot honour a fixed broker port, reformats (and so refuses) an
 * existing data directory, and turns on unstable feature versions.
 *
 * <p>Settings a single node needs and the pipeline relies on:
 * <ul>
 *   <li>replication factor and min ISR 1 for the offsets and transaction-state topics
 *       ({@code min.insync.replicas=1});</li>
 *   <li>{@code message.max.bytes} and {@code replica.fetch.max.bytes} of {@link #MESSAGE_MAX_BYTES}
 *       (16 MiB); a topic may lower it with {@code max.message.bytes};</li>
 *   <li>{@code transaction.max.timeout.ms} of {@link #TRANSACTION_MAX_TIMEOUT_MS} (15 minutes, Kafka's
 *       default): an exactly-once Flink KafkaSink must use a {@code transaction.timeout.ms} no larger than
 *       this, yet larger than its longest checkpoint interval plus restart time;</li>
 *   <li>{@code auto.create.topics.enable=false}: topics are created explicitly with
 *       {@link #createTopics(Map)};</li>
 *   <li>{@code group.initial.rebalance.delay.ms=0}, and one partition each for the offsets and
 *       transaction-state topics, so that the first consumer group and the first transactional
 *       producer do not wait for 50 partitions to be created.</li>
 * </ul>
 *
 * <p>{@link #stop()} and {@link #restart()} take the node down and bring it back on the same port and data
 * directory, as an operator restarts a broker (the chaos scenario's broker outage). {@code KafkaClusterTestKit}
 * cannot do that either: its nodes get new random ports and a fresh formatting on each start.
 *
 * <p>A fatal fault in the node (for example a corrupt metadata log) halts the JVM, as it would halt a
 * stand-alone broker: Kafka's production fault handlers are kept on purpose.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Largest record batch the broker accepts, in bytes (16 MiB). */
    public static final int MESSAGE_MAX_BYTES = 16 * 1024 * 1024;
    /** Longest transaction timeout a producer may ask for: 15 minutes, Kafka's default maximum. */
    public static final int TRANSACTION_MAX_TIMEOUT_MS = 900_000;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration BROKER_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** Keys that this class derives itself; extra properties may not set them. */
    private static final Set<String> RESERVED_KEYS = Set.of(
            "process.roles", "node.id", "broker.id", "listeners", "advertised.listeners",
            "listener.security.protocol.map", "inter.broker.listener.name", "controller.listener.names",
            "controller.quorum.voters", "controller.quorum.bootstrap.servers", "log.dir", "log.dirs",
            "metadata.log.dir");

    /** How to start the node. Mutable and fluent; {@link #defaults()} is a temporary node on a free port. */
    public static final class Options {
        private Path dataDir;
        private int brokerPort;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();

        private Options() {
        }

        /** A node whose data lives in a temporary directory deleted on close, on an ephemeral port. */
        public static Options defaults() {
            return new Options();
        }

        /**
         * Directory for Kafka's logs and metadata, used by Kafka alone (every sub-directory is read as a
         * partition); kept on close, and reused (not reformatted) on the next start, topics and committed
         * offsets included. {@code null} means a temporary directory that is deleted on close.
         */
        public Options dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Broker port on 127.0.0.1; 0 picks a free one. */
        public Options brokerPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("broker port must be in [0, 65535], got: " + port);
            }
            this.brokerPort = port;
            return this;
        }

        /** Adds or replaces one broker property; it overrides this class's defaults. */
        public Options brokerProperty(String key, String value) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("broker property key must not be blank");
            }
            if (value == null) {
                throw new IllegalArgumentException("broker property " + key + " must not have a null value");
            }
            if (RESERVED_KEYS.contains(key)) {
                throw new IllegalArgumentException("broker property " + key
                        + " is set by EmbeddedKafka itself (listeners, roles and directories) and cannot be overridden");
            }
            brokerProperties.put(key, value);
            return this;
        }

        /** Adds or replaces several broker properties, as {@link #brokerProperty(String, String)}. */
        public Options brokerProperties(Map<String, String> properties) {
            if (properties == null) {
                throw new IllegalArgumentException("broker properties must not be null");
            }
            properties.forEach(this::brokerProperty);
            return this;
        }

        public Path dataDir() { return dataDir; }
        public int brokerPort() { return brokerPort; }
        public Map<String, String> brokerProperties() { return Map.copyOf(brokerProperties); }
    }

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final Options options;
    private final int brokerPort;
    private final String bootstrapServers;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The running node; null while {@link #stop() stopped}. Guarded by {@code this}. */
    private Node node;

    /** One run of the node: what {@link #stop()} shuts down and {@link #restart()} builds anew. */
    private record Node(Metrics metrics, ControllerServer controller, BrokerServer broker) {}

    private EmbeddedKafka(Path dataDir, boolean deleteOnClose, Options options, Node node) {
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.options = options;
        this.node = node;
        this.brokerPort = node.broker().boundPort(new ListenerName(BROKER_LISTENER));
        this.bootstrapServers = HOST + ":" + brokerPort;
    }

    /**
     * Formats storage if needed, starts the node and returns once the broker is registered, unfenced and
     * answers admin requests.
     *
     * @throws IllegalStateException if the node could not start (port taken, unreadable data dir, ...)
     */
    public static EmbeddedKafka start(Options options) {
        Objects.requireNonNull(options, "options must not be null");
        long t0 = System.nanoTime();
        boolean temporary = options.dataDir() == null;
        Path dir;
        try {
            dir = temporary ? Files.createTempDirectory("geostream-kafka-")
                    : Files.createDirectories(options.dataDir().toAbsolutePath());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create Kafka data directory " + options.dataDir(), e);
        }
        Node node;
        try {
            node = startNode(dir, options.brokerPort(), options);
        } catch (RuntimeException | Error e) {
            if (temporary) {
                deleteQuietly(dir);
            }
            throw e;
        }
        EmbeddedKafka kafka = new EmbeddedKafka(dir, temporary, options, node);
        try {
            kafka.awaitAdminReady();
        } catch (Exception e) {
            kafka.close();
            throw new IllegalStateException("embedded Kafka failed to start (data dir " + dir + "): " + e.getMessage(), e);
        }
        LOG.info("Embedded Kafka ready at {} (data {}) in {} ms", kafka.bootstrapServers, dir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return kafka;
    }

    /** Formats {@code dir} if needed and starts controller and broker on {@code brokerPort} (0: a free one). */
    private static Node startNode(Path dir, int brokerPort, Options options) {
        PreboundSockets sockets = new PreboundSockets();
        Metrics metrics = null;
        ControllerServer controller = null;
        BrokerServer broker = null;
        try {
            int controllerPort = sockets.bind(CONTROLLER_LISTENER, 0);
            int boundBrokerPort = sockets.bind(BROKER_LISTENER, brokerPort);
            KafkaConfig config = new KafkaConfig(brokerConfig(dir, boundBrokerPort, controllerPort, options), false);
            formatIfNeeded(dir);

            Tuple2<MetaPropertiesEnsemble, BootstrapMetadata> initial =
                    KafkaRaftServer.initializeLogDirs(config, LOG, "[EmbeddedKafka] ");
            metrics = Server.initializeMetrics(config, Time.SYSTEM, initial._1().clusterId().get());
            SharedServer shared = new SharedServer(config, initial._1(), Time.SYSTEM, metrics,
                    CompletableFuture.completedFuture(QuorumConfig.parseVoterConnections(config.quorumConfig().voters())),
                    QuorumConfig.parseBootstrapServers(config.quorumConfig().bootstrapServers()),
                    new StandardFaultHandlerFactory(), sockets);
            controller = new ControllerServer(shared, KafkaRaftServer.configSchema(), initial._2());
            broker = new BrokerServer(shared);
            // Same order as KafkaRaftServer: the controller first, then the broker, which blocks until unfenced.
            controller.startup();
            broker.startup();
            return new Node(metrics, controller, broker);
        } catch (Exception | Error e) {
            stopQuietly(broker, controller, metrics);
            sockets.closeUnused();
            if (e instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("embedded Kafka failed to start (data dir " + dir + "): " + e.getMessage(), e);
        }
    }

    /**
     * Stops the node as an operator stops a broker (controlled shutdown of the broker, then the controller), keeping
     * its data directory and port for {@link #restart()}. Clients see connection refused until then; open
     * transactions stay open in the transaction log and are completed or timed out after the restart. A stopped node
     * stays stopped until {@link #restart()}; stopping a stopped node does nothing.
     */
    public synchronized void stop() {
        checkOpen();
        if (node == null) {
            return;
        }
        long t0 = System.nanoTime();
        stopQuietly(node.broker(), node.controller(), node.metrics());
        node = null;
        LOG.info("Embedded Kafka at {} stopped for a restart in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * Starts a {@link #stop() stopped} node again on the same port and data directory (topics, records, committed
     * offsets and transaction state as the stop left them) and returns once it answers admin requests.
     *
     * @throws IllegalStateException if the node is running, closed, or cannot start (the port was taken meanwhile)
     */
    public synchronized void restart() {
        checkOpen();
        if (node != null) {
            throw new IllegalStateException("embedded Kafka at " + bootstrapServers + " is running; stop() it first");
        }
        long t0 = System.nanoTime();
        node = startNode(dataDir, brokerPort, options);
        try {
            awaitAdminReady();
        } catch (Exception e) {
            throw new IllegalStateException("restarted Kafka at " + bootstrapServers + " does not answer: " + e.getMessage(), e);
        }
        LOG.info("Embedded Kafka restarted at {} (data {}) in {} ms", bootstrapServers, dataDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Whether the node is running (not {@link #stop() stopped} nor closed). */
    public synchronized boolean isRunning() {
        return node != null && !closed.get();
    }

    private static Map<String, Object> brokerConfig(Path dir, int brokerPort, int controllerPort, Options options) {
        Map<String, Object> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        // A static one-voter quorum: the controller port lives only in this config, so it may change
        // from one start to the next on the same data directory.
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("log.dirs", dir.toString());
        p.put("metadata.log.dir", dir.toString());

        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("default.replication.factor", "1");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("message.max.bytes", Integer.toString(MESSAGE_MAX_BYTES));
        p.put("replica.fetch.max.bytes", Integer.toString(MESSAGE_MAX_BYTES));
        p.put("transaction.max.timeout.ms", Integer.toString(TRANSACTION_MAX_TIMEOUT_MS));
        // The default 128 MiB log-cleaner buffer is sized for production brokers; compacted internal
        // topics of one demo node need far less heap.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        p.putAll(options.brokerProperties());
        return p;
    }

    /** Formats a fresh data directory (static quorum, latest production metadata version); keeps an existing one. */
    private static void formatIfNeeded(Path dir) throws Exception {
        if (Files.exists(dir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
            return;
        }
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(dir.toString()))
                .setMetadataLogDirectory(dir.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setIgnoreFormatted(true)
                .run();
    }

    private void awaitAdminReady() throws Exception {
        try (Admin admin = newAdmin()) {
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("broker did not register within " + READY_TIMEOUT);
                }
                Thread.sleep(20);
            }
        }
    }

    /** {@code 127.0.0.1:port} of the broker listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The directory holding Kafka's logs and metadata. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Properties any Kafka client needs to reach this node (only {@code bootstrap.servers}); a fresh copy
     * the caller may add to.
     */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** The configs of {@link #createTopics(Map, Map)} that make {@code topic} compacted (as the job's corrections topic). */
    public static Map<String, Map<String, String>> compacted(String topic) {
        return Map.of(topic, Map.of("cleanup.policy", "compact"));
    }

    /**
     * Creates topics with replication factor 1 and waits until every partition has a leader. Topics that
     * already exist (a reused data directory) are left as they are.
     *
     * @param topicPartitions topic name to partition count (at least 1)
     */
    public void createTopics(Map<String, Integer> topicPartitions) {
        createTopics(topicPartitions, Map.of());
    }

    /**
     * Creates topics with replication factor 1 and per-topic configs (for example {@code max.message.bytes})
     * and waits until every partition has a leader. Topics that already exist are left as they are, their
     * configs included.
     *
     * @param topicPartitions topic name to partition count (at least 1)
     * @param configsByTopic  topic name to its topic configs; topics absent here get broker defaults
     */
    public void createTopics(Map<String, Integer> topicPartitions, Map<String, Map<String, String>> configsByTopic) {
        checkOpen();
        if (topicPartitions == null || topicPartitions.isEmpty()) {
            throw new IllegalArgumentException("topicPartitions must name at least one topic");
        }
        if (configsByTopic == null) {
            throw new IllegalArgumentException("configsByTopic must not be null (use Map.of())");
        }
        for (Map.Entry<String, Integer> e : topicPartitions.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new IllegalArgumentException("topic names must not be blank");
            }
            if (e.getValue() == null || e.getValue() < 1) {
                throw new IllegalArgumentException("topic " + e.getKey() + " needs at least 1 partition, got: " + e.getValue());
            }
        }
        for (String topic : configsByTopic.keySet()) {
            if (!topicPartitions.containsKey(topic)) {
                throw new IllegalArgumentException("configs given for topic " + topic + " which is not being created");
            }
        }

        List<NewTopic> newTopics = topicPartitions.entrySet().stream()
                .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1)
                        .configs(configsByTopic.getOrDefault(e.getKey(), Map.of())))
                .toList();
        try (Admin admin = newAdmin()) {
            admin.createTopics(newTopics).values().forEach((topic, future) -> {
                try {
                    future.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic + ": " + ex.getCause().getMessage(), ex.getCause());
                    }
                } catch (Exception ex) {
                    throw new IllegalStateException("cannot create topic " + topic + ": " + ex, ex);
                }
            });
            awaitLeaders(admin, topicPartitions.keySet());
        }
    }

    /** Polls the broker's own metadata until every partition of the topics has a leader. */
    private static void awaitLeaders(Admin admin, Collection<String> topics) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                        .get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                boolean ready = described.values().stream()
                        .allMatch(d -> !d.partitions().isEmpty()
                                && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe topics " + topics + ": " + e.getCause().getMessage(), e.getCause());
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot describe topics " + topics + ": " + e, e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + topics + " have no leaders after " + READY_TIMEOUT);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topics " + topics, e);
            }
        }
    }

    private Admin newAdmin() {
        Properties props = clientProperties();
        props.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "geostream-embedded-admin");
        return Admin.create(props);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("embedded Kafka at " + bootstrapServers + " is closed");
        }
    }

    /**
     * Stops the broker (controlled shutdown) and the controller, and deletes a temporary data directory.
     * Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        synchronized (this) {
            if (node != null) {
                stopQuietly(node.broker(), node.controller(), node.metrics());
                node = null;
            }
        }
        if (deleteOnClose) {
            deleteQuietly(dataDir);
        }
        LOG.info("Embedded Kafka at {} stopped in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    private static void stopQuietly(BrokerServer broker, ControllerServer controller, Metrics metrics) {
        if (broker != null) {
            try {
                broker.shutdown(BROKER_SHUTDOWN_TIMEOUT);
                broker.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("embedded Kafka broker did not stop cleanly", e);
            }
        }
        if (controller != null) {
            try {
                controller.shutdown();
                controller.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("embedded Kafka controller did not stop cleanly", e);
            }
        }
        if (metrics != null) {
            Utils.closeQuietly(metrics, "embedded Kafka metrics", LOG);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete embedded Kafka directory {}", dir, e);
        }
    }

    /**
     * Server sockets opened on 127.0.0.1 before the node starts and handed to its socket servers by
     * listener name; any other listener gets Kafka's default factory.
     */
    private static final class PreboundSockets implements ServerSocketFactory {
        private final Map<String, ServerSocketChannel> unused = new HashMap<>();

        int bind(String listener, int port) throws IOException {
            ServerSocketChannel channel;
            try {
                channel = ServerSocketFactory.INSTANCE.openServerSocket(listener, new InetSocketAddress(HOST, port), -1, -1);
            } catch (IOException e) {
                throw new IOException("cannot listen on " + HOST + ":" + port + " for Kafka listener " + listener
                        + " (port in use?): " + e.getMessage(), e);
            }
            synchronized (this) {
                unused.put(listener, channel);
            }
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public synchronized ServerSocketChannel openServerSocket(String listenerName, InetSocketAddress address,
                                                                 int backlog, int receiveBufferSize) throws IOException {
            ServerSocketChannel channel = unused.remove(listenerName);
            return channel != null ? channel
                    : ServerSocketFactory.INSTANCE.openServerSocket(listenerName, address, backlog, receiveBufferSize);
        }

        /** Closes sockets never taken by a socket server (taken ones are closed by their server). */
        synchronized void closeUnused() {
            unused.values().forEach(c -> Utils.closeQuietly(c, "prebound socket"));
            unused.clear();
        }
    }
}

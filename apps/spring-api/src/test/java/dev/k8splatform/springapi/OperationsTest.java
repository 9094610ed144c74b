package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.boot.SpringApplication;

/** Probes, metrics and info on the management port, and readiness during shutdown. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1", "management.server.port=0", "management.server.address=127.0.0.1"})
class OperationsTest {
  @LocalServerPort int port;
  @LocalManagementPort int managementPort;

  @Test
  void servesLivenessAndReadinessGroupsOnTheManagementPort() {
    Http management = new Http(managementPort);
    assertThat(managementPort).isNotEqualTo(port);
    Http.Reply readiness = management.get("/actuator/health/readiness");
    assertThat(readiness.status()).isEqualTo(200);
    assertThat(readiness.json().get("status").asString()).isEqualTo("UP");
    assertThat(management.get("/actuator/health/liveness").status()).isEqualTo(200);
  }

  @Test
  void exportsPrometheusMetricsWithLatencyHistograms() {
    Http api = new Http(port);
    api.get("/api/articles");
    Http.Reply metrics = new Http(managementPort).get("/actuator/prometheus");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.raw().body()).contains("http_server_requests_seconds_bucket{");
    assertThat(metrics.raw().body()).contains("uri=\"/api/articles\"");
    assertThat(metrics.raw().body()).contains("jvm_memory_used_bytes");
  }

  @Test
  void reportsReadinessRefusingTrafficWhenShutdownBegins() {
    List<ReadinessState> states = new ArrayList<>();
    SpringApplication app = new SpringApplication(SpringApiApplication.class);
    app.addListeners((ApplicationListener<AvailabilityChangeEvent<?>>) e -> {
      if (e.getState() instanceof ReadinessState s) states.add(s);
    });
    ConfigurableApplicationContext context = app.run("--server.port=0", "--management.server.port=0",
        "--server.address=127.0.0.1", "--management.server.address=127.0.0.1", "--spring.jmx.enabled=false");
    context.close();
    assertThat(states).first().isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
    assertThat(states).last().isEqualTo(ReadinessState.REFUSING_TRAFFIC);
  }
}

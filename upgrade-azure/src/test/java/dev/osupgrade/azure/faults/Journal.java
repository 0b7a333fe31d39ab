package dev.osupgrade.azure.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.osupgrade.azure.emulator.ArmFaults;
import dev.osupgrade.azure.emulator.ArmOp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * WireMock's journal, oldest first, each request with the operation {@link ArmFaults} classified it as: what the
 * adapter really sent and what the server really answered.
 *
 * @param entries the requests
 */
record Journal(List<Entry> entries) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One request.
   *
   * @param op its operation
   * @param replica its {@value ArmFaults#REPLICA_HEADER}, or null
   * @param status the status served (0 for a connection fault)
   * @param body the request body
   */
  record Entry(ArmOp op, @Nullable String replica, int status, String body) {
    /** @return true when the world applied it: a mutating request answered 2xx */
    boolean applied() {
      return op.isMutating() && status >= 200 && status < 300;
    }

    /** @return the {@code instanceIds} of the body, in order; empty if none */
    List<String> instanceIds() {
      List<String> out = new ArrayList<>();
      try {
        for (JsonNode id : JSON.readTree(body.isBlank() ? "{}" : body).path("instanceIds")) {
          out.add(id.asText());
        }
      } catch (IOException e) {
        // not JSON: no ids
      }
      return out;
    }
  }

  /**
   * Reads the journal.
   *
   * @param server the server
   * @param faults the layer that classified the requests
   * @return the journal, oldest first
   */
  static Journal read(WireMockExtension server, ArmFaults faults) {
    List<ServeEvent> events = new ArrayList<>(server.getAllServeEvents());
    java.util.Collections.reverse(events); // WireMock lists the newest first
    List<Entry> out = new ArrayList<>();
    for (ServeEvent e : events) {
      LoggedRequest r = e.getRequest();
      int status = e.getResponse() == null || e.getResponseDefinition().getFault() != null ? 0
          : e.getResponse().getStatus();
      out.add(new Entry(faults.opOf(e).orElse(ArmOp.OTHER),
          r.containsHeader(ArmFaults.REPLICA_HEADER) ? r.getHeader(ArmFaults.REPLICA_HEADER) : null, status,
          r.getBodyAsString()));
    }
    return new Journal(out);
  }

  /** @return the mutating requests, oldest first */
  List<Entry> mutating() {
    return entries.stream().filter(e -> e.op().isMutating()).toList();
  }

  /**
   * @param op an operation
   * @return its requests, oldest first
   */
  List<Entry> of(ArmOp op) {
    return entries.stream().filter(e -> e.op() == op).toList();
  }
}

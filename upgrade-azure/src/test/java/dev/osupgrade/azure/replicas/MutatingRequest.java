package dev.osupgrade.azure.replicas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.osupgrade.azure.emulator.ArmFaults;
import dev.osupgrade.azure.emulator.ArmOp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request in WireMock's journal that asked ARM to change something ({@link ArmOp#isMutating()}), with who sent it
 * (its {@value ArmFaults#REPLICA_HEADER}) and when WireMock received it.
 *
 * @param replica the sender's tag; empty if the request had none
 * @param scaleSet the scale set's name, lower case
 * @param op the operation
 * @param receivedAt when WireMock received it, epoch milliseconds (the journal's precision)
 * @param status the status the emulator answered
 * @param instanceIds the instances a {@code manualupgrade} named (empty for other operations)
 * @param line method and URL, for messages
 */
record MutatingRequest(String replica, String scaleSet, ArmOp op, long receivedAt, int status,
    List<String> instanceIds, String line) {
  private static final Pattern SCALE_SET = Pattern.compile("(?i)/virtualMachineScaleSets/([^/?]+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads the mutating requests of the journal.
   *
   * @param server the server
   * @param faults the layer that classified its requests
   * @return them, in the order received
   */
  static List<MutatingRequest> fromJournal(WireMockExtension server, ArmFaults faults) {
    List<MutatingRequest> out = new ArrayList<>();
    for (ServeEvent e : server.getAllServeEvents()) {
      ArmOp op = faults.opOf(e).orElse(ArmOp.OTHER);
      if (!op.isMutating()) {
        continue;
      }
      LoggedRequest r = e.getRequest();
      String replica = r.containsHeader(ArmFaults.REPLICA_HEADER) ? r.getHeader(ArmFaults.REPLICA_HEADER) : "";
      boolean upgrade = op == ArmOp.POST_MANUAL_UPGRADE || op == ArmOp.POST_ROLLBACK_UPGRADE;
      out.add(new MutatingRequest(replica, scaleSetOf(r.getUrl()), op, r.getLoggedDate().getTime(),
          e.getResponse() != null ? e.getResponse().getStatus() : e.getResponseDefinition().getStatus(), upgrade ? instanceIds(r.getBodyAsString()) : List.of(),
          r.getMethod() + " " + r.getUrl().split("\\?")[0]));
    }
    out.sort(Comparator.comparingLong(MutatingRequest::receivedAt));
    return out;
  }

  /**
   * @param url a request's URL (path and query)
   * @return the name of the scale set it addresses, lower case
   */
  static String scaleSetOf(String url) {
    Matcher m = SCALE_SET.matcher(URI.create(url).getPath());
    if (!m.find()) {
      throw new IllegalArgumentException("not a scale set's URL: " + url);
    }
    return m.group(1).toLowerCase(Locale.ROOT);
  }

  /**
   * @param body a {@code manualupgrade} body, {@code {"instanceIds": [...]}}
   * @return the instance ids it names
   */
  static List<String> instanceIds(String body) {
    try {
      List<String> ids = new ArrayList<>();
      for (JsonNode id : JSON.readTree(body).path("instanceIds")) {
        ids.add(id.asText());
      }
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return receivedAt + " " + replica + " " + op + " " + scaleSet + (instanceIds.isEmpty() ? "" : " " + instanceIds)
        + " -> " + status;
  }
}

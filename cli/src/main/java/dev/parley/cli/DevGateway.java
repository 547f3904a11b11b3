package dev.parley.cli;

import dev.parley.gateway.Gateway;
import dev.parley.gateway.GatewayConfig;
import dev.parley.gateway.auth.ApiKeys;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * The gateway {@code parley dev} runs beside its worker: on a free loopback port, with one generated key for tenant
 * {@code dev} (printed, so a client can be pointed at it by copying three lines).
 */
final class DevGateway {

    private DevGateway() {
    }

    static Gateway start(Stack stack, String modelSetting) {
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        String key = "sk-parley-dev-" + HexFormat.of().formatHex(secret);
        var config = stack.runtime.worker().config();
        String model = modelName(modelSetting);
        Gateway gateway = Gateway.start(GatewayConfig.builder().port(0).bootstrapServers(stack.infra.bootstrapServers())
                .redisUri(stack.infra.redisUri()).promptsTopic(config.promptsTopic())
                .repliesTopic(config.repliesTopic()).controlTopic(config.controlTopic()).models(List.of(model))
                .keys(ApiKeys.parse(List.of("dev=" + key))).build());
        System.out.println("PARLEY_OPENAI_BASE_URL=" + gateway.baseUrl());
        System.out.println("PARLEY_OPENAI_API_KEY=" + key);
        System.out.println("PARLEY_OPENAI_MODEL=" + model);
        System.out.flush();
        return gateway;
    }

    /** What clients call the model: a known name as is, else the file name without {@code .gguf}. */
    static String modelName(String setting) {
        String name = setting;
        int hash = name.indexOf('#');
        if (hash >= 0) {
            name = name.substring(0, hash);
        }
        int at = name.lastIndexOf('@');
        if (at > name.lastIndexOf('/')) {
            name = name.substring(0, at);
        }
        name = name.substring(name.lastIndexOf('/') + 1);
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }
}

package com.example.shop.orders;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Places, pays and cancels orders. Prices are taken from the catalogue when an order is
 * placed and never change after that; stock is reserved at once and released on
 * cancellation.
 */
@Service
public class OrderService extends AbstractService
        implements OrderOperations {

    /** Orders over this total need a second approval. */
    public static final BigDecimal APPROVAL_THRESHOLD = new BigDecimal("10000.00");

    private final Catalogue catalogue;
    private final StockLedger stock;
    private final Clock clock;
    private final Map<String, Order> orders = new ConcurrentHashMap<>();

    public OrderService(Catalogue catalogue, StockLedger stock, Clock clock) {
        this.catalogue = catalogue;
        this.stock = stock;
        this.clock = clock;
    }

    /**
     * Places an order for the given lines, reserving their stock. Either every line is
     * reserved or none is: a line that cannot be reserved releases the ones before it.
     */
    @Override
    public Order place(String customerId, List<OrderLine> lines) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("an order needs at least one line");
        }
        List<OrderLine> reserved = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        for (OrderLine line : lines) {
            BigDecimal price = catalogue.price(line.sku())
                    .orElseThrow(() -> new UnknownProductException(line.sku()));
            if (!stock.reserve(line.sku(), line.quantity())) {
                reserved.forEach(r -> stock.release(r.sku(), r.quantity()));
                throw new OutOfStockException(line.sku(), line.quantity());
            }
            reserved.add(line);
            total = total.add(price.multiply(BigDecimal.valueOf(line.quantity())));
        }
        Order order = new Order(newId(), customerId, reserved, total, Instant.now(clock));
        if (total.compareTo(APPROVAL_THRESHOLD) > 0) {
            order.requireApproval();
        }
        orders.put(order.id(), order);
        return order;
    }

    /** Marks an order paid; paying twice is refused. */
    @Override
    public void pay(String orderId, Payment payment) {
        Order order = find(orderId).orElseThrow(() -> new UnknownOrderException(orderId));
        if (order.status() != OrderStatus.PLACED) {
            throw new IllegalStateException("order " + orderId + " is " + order.status());
        }
        if (payment.amount().compareTo(order.total()) != 0) {
            throw new PaymentMismatchException(order.total(), payment.amount());
        }
        order.markPaid(payment, Instant.now(clock));
    }

    /** Cancels an unpaid order and gives its stock back. */
    @Override
    public boolean cancel(String orderId) {
        Order order = orders.get(orderId);
        if (order == null || order.status() == OrderStatus.PAID) {
            return false;
        }
        for (OrderLine line : order.lines()) {
            stock.release(line.sku(), line.quantity());
        }
        order.markCancelled(Instant.now(clock));
        return true;
    }

    public Optional<Order> find(String orderId) {
        return Optional.ofNullable(orders.get(orderId));
    }

    private String newId() {
        return "ord-" + Long.toString(clock.millis(), 36) + "-" + orders.size();
    }

    /** The states an order goes through. */
    public enum OrderStatus {
        PLACED,
        PAID,
        CANCELLED
    }
}

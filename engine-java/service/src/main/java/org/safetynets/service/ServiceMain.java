package org.safetynets.service;

public final class ServiceMain {
    public static void main(String[] args) {
    }
}

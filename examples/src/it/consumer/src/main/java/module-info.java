module com.example.squares {
    requires dev.gort;
}

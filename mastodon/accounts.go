package mastodon

func (s *Server) accountRoutes() {}
